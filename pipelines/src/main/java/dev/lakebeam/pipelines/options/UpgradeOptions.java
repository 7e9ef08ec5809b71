package dev.lakebeam.pipelines.options;

import org.apache.beam.sdk.io.aws2.options.S3Options;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/** Options of {@code upgrade}: the lake whose older files are rewritten in the newest schema. */
@OptionGroup("Upgrade")
public interface UpgradeOptions extends LakeOptions, S3Options {
  @Description("Only list the files an upgrade would rewrite; change nothing.")
  @Default.Boolean(false)
  Boolean getDryRun();

  void setDryRun(Boolean value);
}
