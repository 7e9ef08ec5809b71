#!/usr/bin/env bash
# Runs one lakebeam command on the EMR master node through Flink's CLI (used by the step files
# in this folder). Usage:
#   lakebeam-submit.sh JAR_S3_URI HMAC_SECRET_ID[,JDBC_SECRET_ID] [flink run options...] -- COMMAND [lakebeam options...]
# It copies the shaded jar from S3, reads the PII HMAC key (and, when a second secret is named,
# the database password) from AWS Secrets Manager into $LAKEBEAM_HMAC_SECRET ($LAKEBEAM_JDBC_PASSWORD),
# never onto a command line, so not into YARN's or EMR's step logs, then runs
#   flink run [flink run options] /home/hadoop/lakebeam.jar COMMAND [lakebeam options]
# The job carries the key by name only (--hmacKeyEnv=LAKEBEAM_HMAC_SECRET is added to backfill
# and stream): each task manager reads it from its own environment, set through a private copy
# of Flink's configuration (containerized.*.env.*, masked in Flink's logs and web UI), which is
# removed when the script ends.
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
# The key goes by a name with SECRET in it: Flink masks configuration values whose keys contain
# secret or password, in its logs and web UI, and the lakebeam command is told that name.
LAKEBEAM_HMAC_SECRET=$(aws secretsmanager get-secret-value --secret-id "$secret_id" --query SecretString --output text)
export LAKEBEAM_HMAC_SECRET
if [ -n "$jdbc_secret_id" ]; then
  LAKEBEAM_JDBC_PASSWORD=$(aws secretsmanager get-secret-value --secret-id "$jdbc_secret_id" --query SecretString --output text)
  export LAKEBEAM_JDBC_PASSWORD
fi
for v in "$LAKEBEAM_HMAC_SECRET" "${LAKEBEAM_JDBC_PASSWORD:-}"; do
  case "$v" in
    *'#'* | *$'\n'* | *$'\r'*) echo "$0: a secret holds '#' or a line break, which Flink's configuration cannot carry" >&2; exit 2 ;;
  esac
done
conf_dir=$(mktemp -d)
trap 'rm -rf "$conf_dir"' EXIT
chmod 700 "$conf_dir"
cp -R "${FLINK_CONF_DIR:-/etc/flink/conf}/." "$conf_dir/"
conf_file=$conf_dir/flink-conf.yaml
if [ -f "$conf_dir/config.yaml" ]; then
  conf_file=$conf_dir/config.yaml # Flink's standard YAML file, where it exists, is the one read
fi
{
  echo ""
  for role in taskmanager master; do
    echo "containerized.$role.env.LAKEBEAM_HMAC_SECRET: $LAKEBEAM_HMAC_SECRET"
    if [ -n "$jdbc_secret_id" ]; then
      echo "containerized.$role.env.LAKEBEAM_JDBC_PASSWORD: $LAKEBEAM_JDBC_PASSWORD"
    fi
  done
} >> "$conf_file"
chmod 600 "$conf_file"
key_option=()
case "${1:-}" in
  backfill | stream) key_option=(--hmacKeyEnv=LAKEBEAM_HMAC_SECRET) ;;
esac
FLINK_CONF_DIR=$conf_dir flink run "${flink_opts[@]}" "$jar" "$@" "${key_option[@]}"
