#!/bin/bash
# /on-start.sh of the cockroachdb/cockroach-k8s-init stand-in: the peer-finder feeds it the
# StatefulSet's peers (one FQDN a line) once this pod's own name is among them. Any peer other than
# this pod means a cluster may already exist: leave a marker in the data volume so that the
# cockroach container joins it instead of creating a new one. The path is relative, as in the real
# image (its working directory is /), so it lands in /cockroach/cockroach-data.
if grep -v "$(hostname -f)"; then
  mkdir -p cockroach/cockroach-data && touch cockroach/cockroach-data/cluster_exists_marker
fi
