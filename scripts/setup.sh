#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian 12 machine with the .NET 10 SDK: installs the native
# Kafka client (Debian's librdkafka 2.0.2) and the tools the tests use, and makes sure NuGet
# can restore Confluent.Kafka 1.9.3. Safe to run on every invocation: each step checks first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

need_pkgs=()
want=(librdkafka1 librdkafka-dev)
# The test suite also drives the real Prometheus tools, kcat, sqlite3, and (with Debian's own
# /usr/bin/python3) the OpenMetrics reference parser, a YAML parser and the load harness's Python peer.
[ "${FUNNELSTREAM_SETUP_TESTS:-0}" = 1 ] && want+=(prometheus kcat sqlite3 python3-prometheus-client python3-yaml python3-confluent-kafka python3-jsonschema chromium)
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_pkgs[*]}" >&2
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >&2
fi

# Confluent.Kafka 1.9.3 depends on librdkafka.redist 1.9.2 (the bundled native library). We load
# Debian's librdkafka instead, so where the configured feed lacks that package we pack an empty
# stand-in of the same id into the git-ignored local feed that nuget.config lists.
feed="$root/.nuget-local"
mkdir -p "$feed"
standin="$feed/librdkafka.redist.1.9.2.nupkg"
if [ ! -f "$standin" ]; then
  probe=$(mktemp -d)
  trap 'rm -rf "$probe"' EXIT
  cat > "$probe/probe.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>net10.0</TargetFramework><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup>
  <ItemGroup><PackageReference Include="librdkafka.redist" Version="[1.9.2]" /></ItemGroup>
</Project>
XML
  # Restored from a temporary folder, the probe sees only the machine's configured feeds, not ours.
  if ! (cd "$probe" && dotnet restore probe.csproj --packages "$probe/pkgs" >"$probe/log" 2>&1); then
    if grep -qE 'NU110[12]' "$probe/log"; then
      echo "setup: the NuGet feed lacks librdkafka.redist 1.9.2; packing an empty stand-in into .nuget-local/ (the native library comes from Debian's librdkafka1)" >&2
      python3 - "$standin" <<'PY'
import sys, zipfile
nuspec = """<?xml version="1.0" encoding="utf-8"?>
<package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
  <metadata>
    <id>librdkafka.redist</id>
    <version>1.9.2</version>
    <authors>FunnelStream set-up</authors>
    <description>Empty stand-in: FunnelStream loads Debian's librdkafka (librdkafka1) instead of the bundled native library.</description>
  </metadata>
</package>
"""
types = """<?xml version="1.0" encoding="utf-8"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
  <Default Extension="nuspec" ContentType="application/octet" />
</Types>
"""
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("librdkafka.redist.nuspec", nuspec)
    z.writestr("[Content_Types].xml", types)
PY
    else
      echo "setup: could not ask the NuGet feed about librdkafka.redist:" >&2
      cat "$probe/log" >&2
      exit 1
    fi
  fi
fi
