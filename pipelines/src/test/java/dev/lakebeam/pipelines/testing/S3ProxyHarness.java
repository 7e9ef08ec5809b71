package dev.lakebeam.pipelines.testing;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.rules.ExternalResource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-API server for a test class: s3proxy 4.1.0 (transient in-memory store) in its own JVM
 * on 127.0.0.1 and a free port. The jar is copied to target/s3proxy by the build
 * (maven-dependency-plugin). Stopped with SIGTERM, then SIGKILL after 5 s.
 */
public final class S3ProxyHarness extends ExternalResource {
  public static final String ACCESS_KEY = "lakebeam-test-access";
  public static final String SECRET_KEY = "lakebeam-test-secret-key-0123456789";

  private Process process;
  private int port;
  private Path dir;

  @Override
  protected void before() throws Throwable {
    Path jar = Path.of("target", "s3proxy", "s3proxy.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(
          jar.toAbsolutePath() + " is missing: run the tests through Maven (mvn verify)");
    }
    port = Servers.freePort();
    dir = Files.createTempDirectory("s3proxy");
    Path props = dir.resolve("s3proxy.properties");
    Files.writeString(
        props,
        String.join(
            "\n",
            "s3proxy.endpoint=http://127.0.0.1:" + port,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + ACCESS_KEY,
            "s3proxy.credential=" + SECRET_KEY,
            "jclouds.provider=transient",
            "jclouds.identity=" + ACCESS_KEY,
            "jclouds.credential=" + SECRET_KEY,
            "jclouds.regions=us-east-1",
            ""));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    process =
        new ProcessBuilder(
                java, "-Xmx512m", "-jar", jar.toString(), "--properties", props.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("s3proxy.log").toFile())
            .start();
    Servers.awaitPort(process, port, "s3proxy (log in " + dir.resolve("s3proxy.log") + ")", 30);
  }

  @Override
  protected void after() {
    Servers.stop(process);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** The Beam options that point S3 at this server. */
  public List<String> beamOptions() {
    return List.of(
        "--awsRegion=us-east-1",
        "--endpoint=" + endpoint(),
        "--awsCredentialsProvider={\"@type\":\"StaticCredentialsProvider\",\"accessKeyId\":\""
            + ACCESS_KEY
            + "\",\"secretAccessKey\":\""
            + SECRET_KEY
            + "\"}",
        "--s3ClientFactoryClass=dev.lakebeam.pipelines.aws.PathStyleS3ClientBuilderFactory",
        "--s3UploadBufferSizeBytes=5242880");
  }

  /** A plain AWS SDK client to create buckets and read back what a run wrote. */
  public S3Client client() {
    return S3Client.builder()
        .endpointOverride(URI.create(endpoint()))
        .region(Region.US_EAST_1)
        .forcePathStyle(true)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
        .build();
  }
}
