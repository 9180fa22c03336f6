#!/usr/bin/env bash
# scripts/package-deb.sh [OUT_DIR]: the Debian package of pptpgw (./build.sh package; docs/DEPLOY.md "Installing the .deb").
#   A self-contained single-file publish (linux-x64): Debian 12 has no .NET 10 runtime, so the package carries it.
#   Layout: /usr/lib/pptpgw/pptpgw (+ the native libraries next to it: the DPDK shim when built, Skia/HarfBuzz for the
#   load tool's plots), /usr/bin/pptpgw -> ../lib/pptpgw/pptpgw, /lib/systemd/system/pptpgw.service,
#   /etc/pptpgw/pptpgw.cfg (sample, a conffile), man page, bash completion, docs. postinst adds the system user pptpgw.
# Prints the path of the .deb on its last line.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/artifacts/package}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
SHA=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
VERSION=${PPTPGW_VERSION:-1.0.0+git$SHA}
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/pptpgw-deb.XXXXXX")
trap 'rm -rf "$STAGE"' EXIT
PUB=$STAGE/publish PKG=$STAGE/pkg

echo "[package] dotnet publish (self-contained, single file, linux-x64)" >&2
dotnet publish "$ROOT/src/Gateway/Gateway.csproj" -c Release -r linux-x64 --self-contained true \
  -p:PublishSingleFile=true -p:DebugType=none -o "$PUB" -nologo -v q >&2

install -d "$PKG/DEBIAN" "$PKG/usr/lib/pptpgw" "$PKG/usr/bin" "$PKG/lib/systemd/system" "$PKG/etc/pptpgw" \
  "$PKG/usr/share/doc/pptpgw" "$PKG/usr/share/man/man8" "$PKG/usr/share/bash-completion/completions"
install -m 0755 "$PUB/pptpgw" "$PKG/usr/lib/pptpgw/pptpgw"
for so in "$PUB"/*.so; do [ -e "$so" ] && install -m 0644 "$so" "$PKG/usr/lib/pptpgw/"; done
if [ -f "$ROOT/artifacts/native/libpgwdpdk.so" ]; then install -m 0644 "$ROOT/artifacts/native/libpgwdpdk.so" "$PKG/usr/lib/pptpgw/"; fi
ln -s ../lib/pptpgw/pptpgw "$PKG/usr/bin/pptpgw"
install -m 0644 "$ROOT/packaging/pptpgw.service" "$PKG/lib/systemd/system/pptpgw.service"
install -m 0640 "$ROOT/packaging/pptpgw.cfg" "$PKG/etc/pptpgw/pptpgw.cfg"
for doc in README.md docs/DEPLOY.md docs/CONFIG.md docs/ACCOUNTING.md; do
  [ -f "$ROOT/$doc" ] && install -m 0644 "$ROOT/$doc" "$PKG/usr/share/doc/pptpgw/"
done
printf 'pptpgw\nLicense: see the source repository.\n' > "$PKG/usr/share/doc/pptpgw/copyright"
"$PUB/pptpgw" completion bash > "$PKG/usr/share/bash-completion/completions/pptpgw"
# The man page: the command line's own --help texts (System.CommandLine), so it cannot drift from the binary.
{
  echo ".TH PPTPGW 8 \"$(date -u +%Y-%m-%d)\" \"pptpgw $VERSION\" \"System Administration\""
  echo ".SH NAME"
  echo "pptpgw \\- PPTP VPN gateway with a Cisco PIX 6.3 configuration"
  echo ".SH DESCRIPTION"
  echo ".nf"
  "$PUB/pptpgw" --help | sed 's/\\/\\\\/g; s/^\./\\\&./'
  for sub in run check reload shutdown show clear dial load; do
    echo ""
    echo "pptpgw $sub --help"
    "$PUB/pptpgw" "$sub" --help | sed 's/\\/\\\\/g; s/^\./\\\&./'
  done
  echo ".fi"
  echo ".SH FILES"
  echo "/etc/pptpgw/pptpgw.cfg, /run/pptpgw/admin.sock, /var/lib/pptpgw/accounting, /lib/systemd/system/pptpgw.service"
  echo ".SH SEE ALSO"
  echo "/usr/share/doc/pptpgw/DEPLOY.md, /usr/share/doc/pptpgw/CONFIG.md"
} | gzip -9n > "$PKG/usr/share/man/man8/pptpgw.8.gz"
echo /etc/pptpgw/pptpgw.cfg > "$PKG/DEBIAN/conffiles"
SIZE=$(du -sk --exclude=DEBIAN "$PKG" | cut -f1)
sed "s/@VERSION@/$VERSION/; s/@SIZE@/$SIZE/" "$ROOT/packaging/debian/control.in" > "$PKG/DEBIAN/control"
for script in postinst prerm postrm; do install -m 0755 "$ROOT/packaging/debian/$script" "$PKG/DEBIAN/$script"; done

mkdir -p "$OUT"
DEB="$OUT/pptpgw_${VERSION}_amd64.deb"
dpkg-deb --root-owner-group -Zxz --build "$PKG" "$DEB" >&2
echo "$DEB"
