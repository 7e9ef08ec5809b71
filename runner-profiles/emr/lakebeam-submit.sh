#!/usr/bin/env bash
# Runs one lakebeam command on the EMR master node through Flink's CLI (used by the step files
# in this folder). Usage:
#   lakebeam-submit.sh JAR_S3_URI HMAC_SECRET_ID[,JDBC_SECRET_ID] [flink run options...] -- COMMAND [lakebeam options...]
# It copies the shaded jar from S3, reads the PII HMAC key (and, when a second secret is named,
# the database password) from AWS Secrets Manager into $LAKEBEAM_HMAC_KEY ($LAKEBEAM_JDBC_PASSWORD),
# never onto a command line, so not into YARN's or EMR's step logs, then runs
#   flink run [flink run options] /home/hadoop/lakebeam.jar COMMAND [lakebeam options]
# The job carries the key by name only: each task manager reads $LAKEBEAM_HMAC_KEY from its own
# environment, set through a private copy of Flink's configuration (containerized.*.env.*),
# which is removed when flink run returns.
set -euo pipefail
if [ "$#" -lt 4 ]; then
  echo "usage: $0 JAR_S3_URI HMAC_SECRET_ID[,JDBC_SECRET_ID] [flink run options...] -- COMMAND [options...]" >&2
  exit 2
fi
jar_uri=$1
secret_id=${2%%,*}
jdbc_secret_id=
if [ "$2" != "$secret_id" ]; then
  jdbc_secret_id=${2#*,}
fi
shift 2
flink_opts=()
while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do
  flink_opts+=("$1")
  shift
done
[ "${1:-}" = "--" ] || { echo "$0: missing -- before the lakebeam command" >&2; exit 2; }
shift
jar=/home/hadoop/lakebeam.jar
aws s3 cp --only-show-errors "$jar_uri" "$jar"
LAKEBEAM_HMAC_KEY=$(aws secretsmanager get-secret-value --secret-id "$secret_id" --query SecretString --output text)
export LAKEBEAM_HMAC_KEY
if [ -n "$jdbc_secret_id" ]; then
  LAKEBEAM_JDBC_PASSWORD=$(aws secretsmanager get-secret-value --secret-id "$jdbc_secret_id" --query SecretString --output text)
  export LAKEBEAM_JDBC_PASSWORD
fi
conf_dir=$(mktemp -d)
chmod 700 "$conf_dir"
cp -R "${FLINK_CONF_DIR:-/etc/flink/conf}/." "$conf_dir/" 2>/dev/null || true
{
  echo ""
  echo "containerized.taskmanager.env.LAKEBEAM_HMAC_KEY: $LAKEBEAM_HMAC_KEY"
  echo "containerized.master.env.LAKEBEAM_HMAC_KEY: $LAKEBEAM_HMAC_KEY"
  if [ -n "$jdbc_secret_id" ]; then
    echo "containerized.taskmanager.env.LAKEBEAM_JDBC_PASSWORD: $LAKEBEAM_JDBC_PASSWORD"
    echo "containerized.master.env.LAKEBEAM_JDBC_PASSWORD: $LAKEBEAM_JDBC_PASSWORD"
  fi
} >> "$conf_dir/flink-conf.yaml"
chmod 600 "$conf_dir/flink-conf.yaml"
rc=0
FLINK_CONF_DIR=$conf_dir flink run "${flink_opts[@]}" "$jar" "$@" || rc=$?
rm -rf "$conf_dir"
exit "$rc"
