#!/usr/bin/env bash
# Makes the local test images (there is no registry here): `rcompose-test/busybox:latest`, a rootfs
# holding Debian's static busybox and its applet links, imported with `docker import`.
# Idempotent; needs the busybox-static package (installed when missing and apt is available).
set -euo pipefail
image=rcompose-test/busybox:latest
if docker image inspect "$image" >/dev/null 2>&1; then echo "$image"; exit 0; fi
bb=/bin/busybox
if ! "$bb" --list >/dev/null 2>&1 || ! file "$bb" 2>/dev/null | grep -q static; then
  apt-get install -y -qq busybox-static >/dev/null
fi
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,etc,tmp,root,proc,sys,dev,run,var/tmp,data}
cp "$bb" "$root/bin/busybox"
for applet in $("$bb" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
chmod 1777 "$root/tmp" "$root/var/tmp"
tar -C "$root" -c . | docker import \
  -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  - "$image" >/dev/null
echo "$image"
