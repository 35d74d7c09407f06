#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Bakes memgate into a Debian/Ubuntu node image: the few commands an image builder runs (a Packer
# shell provisioner: `provisioner "shell" { script = "node-image.sh" }`, with the .deb uploaded to
# /tmp first by a file provisioner). RUNTIME is the node's runtime: cri-o (or containerd with the
# NRI hook injector) reads the packaged hooks.d file; containerd otherwise gets the memgate handler.
set -eu
RUNTIME=${RUNTIME:-containerd}
apt-get install -y /tmp/memgate_*_amd64.deb
case "$RUNTIME" in
cri-o | containerd-nri)
        # The package's /usr/share/containers/oci/hooks.d/memgate.json is read as it is.
        ;;
containerd)
        mkdir -p /etc/containerd
        [ -f /etc/containerd/config.toml ] || containerd config default > /etc/containerd/config.toml
        grep -q 'runtimes.memgate]' /etc/containerd/config.toml ||
                sed '/^version = /d' /usr/share/memgate/containerd/memgate-runtime.toml >> /etc/containerd/config.toml
        ;;
esac
# The metrics each minute, for node_exporter's textfile collector.
mkdir -p /var/lib/prometheus/node-exporter
systemctl enable memgate-textfile.timer
