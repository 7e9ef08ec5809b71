#!/usr/bin/env bash
# EMR bootstrap action (every node): puts the Amazon RDS certificate bundle where the JDBC URL's
# sslrootcert points, so that database reads (--sources=rds, sslmode=verify-full) check the
# server's certificate on the TaskManagers as well as on the master. Usage:
#   bootstrap-rds-ca.sh [BUNDLE_URL]   (default: AWS's global bundle)
set -euo pipefail
url=${1:-https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem}
curl --fail --silent --show-error --location "$url" -o /home/hadoop/rds-ca-bundle.pem
grep -q "BEGIN CERTIFICATE" /home/hadoop/rds-ca-bundle.pem
