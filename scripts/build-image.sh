#!/usr/bin/env bash
# Builds tollgate's container image from deploy/Dockerfile with podman, also where no
# registry is reachable: when podman has no debian:12, one is made with debootstrap from
# Debian's packages (minbase, the host's apt sources: bookworm, its updates and security)
# and imported under that name. The root filesystem is kept in build/image/, so a second
# build needs no debootstrap.
#   scripts/build-image.sh [TAG]          default localhost/tollgate:latest
# Where podman's default runtime cannot start a container, point CONTAINERS_CONF at the
# fallback of docs/deploy.md ("Hosts where podman cannot start a container").
set -euo pipefail
cd "$(dirname "$0")/.."

tag=${1:-localhost/tollgate:latest}
base=docker.io/library/debian:12
cache=${TOLLGATE_IMAGE_CACHE:-build/image}

if ! podman image exists "$base"; then
  tarball=$cache/debian-12-minbase.tar
  if [ ! -s "$tarball" ]; then
    command -v debootstrap >/dev/null || { echo "build-image: podman has no $base and debootstrap is not installed" >&2; exit 1; }
    mkdir -p "$cache"
    root=$(mktemp -d "$cache/rootfs.XXXXXX")
    # debootstrap mounts /proc inside and leaves it there when it fails: unmount what is
    # under the root before removing it, and never cross into another file system.
    cleanup() {
      awk -v r="$(realpath "$root")/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | xargs -r umount -l
      rm -rf --one-file-system "$root"
    }
    trap cleanup EXIT
    sources=/etc/apt/sources.list.d/debian.sources
    mirror=""
    [ -f "$sources" ] && mirror=$(awk '$1 == "URIs:" {print $2; exit}' "$sources")
    echo "build-image: debootstrap --variant=minbase bookworm (once; kept in $tarball)"
    debootstrap --variant=minbase bookworm "$root" ${mirror:+"$mirror"} >"$cache/debootstrap.log" 2>&1 ||
      { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
    # The host's apt sources (with bookworm-security), as debian:12 has them.
    if [ -f "$sources" ]; then
      rm -f "$root/etc/apt/sources.list"
      cp "$sources" "$root/etc/apt/sources.list.d/debian.sources"
    fi
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
    tar --numeric-owner -C "$root" -cf "$tarball.tmp" .
    mv "$tarball.tmp" "$tarball"
  fi
  echo "build-image: importing $tarball as $base"
  podman import -q --change 'CMD ["bash"]' "$tarball" "$base" >/dev/null
fi

# Docker's image format: podman's default (OCI) drops HEALTHCHECK.
podman build --format docker -f deploy/Dockerfile -t "$tag" .
podman image inspect "$tag" --format 'build-image: {{.Id}} {{.Size}} bytes'
