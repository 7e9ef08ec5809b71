#!/usr/bin/env bash
# Runs one lakebeam command on the EMR master node through Flink's CLI (used by the step files
# in this folder). Usage:
#   lakebeam-submit.sh JAR_S3_URI HMAC_SECRET_ID[,JDBC_SECRET_ID] [flink run options...] -- COMMAND [lakebeam options...]
# It copies the shaded jar from S3, reads the PII HMAC key (and, when a second secret is named,
# the database password) from AWS Secrets Manager into $LAKEBEAM_HMAC_KEY ($LAKEBEAM_JDBC_PASSWORD),
# never onto a command line, so not into YARN's or EMR's step logs, then runs
#   flink run [flink run options] /home/hadoop/lakebeam.jar COMMAND [lakebeam options]
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
exec flink run "${flink_opts[@]}" "$jar" "$@"
