#!/usr/bin/env bash
# Makes `debian:bookworm-slim` on an engine that cannot pull from Docker Hub: a minimal Debian
# bookworm root from the machine's Debian mirror (debootstrap --variant=minbase), imported with
# `docker import`. Idempotent; needs root and the debootstrap package (installed when missing).
set -euo pipefail
image=debian:bookworm-slim
if docker image inspect "$image" >/dev/null 2>&1; then echo "$image"; exit 0; fi
command -v debootstrap >/dev/null || apt-get install -y -qq debootstrap >/dev/null
# the mirror apt already uses here (deb.debian.org otherwise)
mirror=$(grep -rhoE '^(deb|URIs:) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null \
  | grep -v security | awk 'NR == 1 {print $2}' || true)
mirror=${mirror:-http://deb.debian.org/debian}
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
# slim like the official image: no apt lists, no docs, no caches
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* "$root"/usr/share/man/*
echo "deb $mirror bookworm main" > "$root/etc/apt/sources.list"
tar -C "$root" --numeric-owner -c . | docker import \
  -c 'CMD ["bash"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$image" >/dev/null
echo "$image"
