# syntax=docker/dockerfile:1
#
# FunnelStream image: the worker and every other CLI command (`run` by default).
#
#   docker build -t funnelstream:local .
#   docker run --rm -p 9464:9464 funnelstream:local run --bootstrap-servers HOST:9092
#
# Needs BuildKit (the default builder since Docker Engine 23): here-documents and cache mounts.
# See deploy/README.md for what was and was not validated.
#
# Why the runtime stage is debian:bookworm-slim and not mcr.microsoft.com/dotnet/aspnet:10.0:
# Microsoft ships no Debian images for .NET 10 (the `10.0` tags are Ubuntu 24.04 "noble"; see
# "Default .NET images use Ubuntu" in the .NET 10 breaking changes). FunnelStream is built and tested
# against Debian 12's librdkafka 2.0.2 (README, "Native Kafka client"), so the runtime is Debian 12
# with the ASP.NET Core runtime copied from the official aspnet:10.0 image, the way Microsoft's own
# images install it (a tarball of the portable linux build under /usr/share/dotnet).

ARG DOTNET_VERSION=10.0
ARG DEBIAN_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------
# Build: restore and publish src/FunnelStream/FunnelStream.csproj (Release).
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build

# The NuGet feed to restore from (a mirror can be passed with --build-arg NUGET_SOURCE=URL).
ARG NUGET_SOURCE=https://api.nuget.org/v3/index.json

# python3 only packs the librdkafka.redist stand-in below (the same packing step as scripts/setup.sh).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 \
    && rm -rf /var/lib/apt/lists/*

# Confluent.Kafka 1.9.3 depends on librdkafka.redist 1.9.2, whose real package bundles its own native
# librdkafka; the app would load that one instead of Debian's 2.0.2. So, unlike scripts/setup.sh
# (which packs the stand-in only where the feed lacks the package), the image ALWAYS restores an empty
# stand-in of that id, and a NuGet package source mapping makes librdkafka.redist come only from the
# stand-in folder and everything else only from NUGET_SOURCE. The nuget.config of the repo (which
# lists the git-ignored .nuget-local/) is not used: restore gets --configfile.
RUN python3 - <<'PY'
import os, pathlib, zipfile
from xml.sax.saxutils import escape
feed = pathlib.Path("/nuget-standins")
feed.mkdir(parents=True, exist_ok=True)
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
with zipfile.ZipFile(feed / "librdkafka.redist.1.9.2.nupkg", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("librdkafka.redist.nuspec", nuspec)
    z.writestr("[Content_Types].xml", types)
source = escape(os.environ["NUGET_SOURCE"], {'"': "&quot;"})
pathlib.Path("/nuget.docker.config").write_text(f"""<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="upstream" value="{source}" />
    <add key="funnelstream-standins" value="{feed}" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="upstream">
      <package pattern="*" />
    </packageSource>
    <packageSource key="funnelstream-standins">
      <package pattern="librdkafka.redist" />
    </packageSource>
  </packageSourceMapping>
</configuration>
""")
PY

WORKDIR /src
# .dockerignore keeps the context to these (no bin/, obj/, tests, .git).
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/ src/

# The cache mount has its own id so that it only ever holds packages restored with the mapping above.
RUN --mount=type=cache,id=funnelstream-nuget,target=/root/.nuget/packages \
    dotnet restore src/FunnelStream/FunnelStream.csproj --configfile /nuget.docker.config \
    && dotnet publish src/FunnelStream/FunnelStream.csproj -c Release --no-restore -o /app -p:UseAppHost=false \
    && test -f /app/funnelstream.dll \
    && test -f /app/appsettings.json \
    && ! find /app -name 'librdkafka*.so*' | grep -q .

# ---------------------------------------------------------------------------------------------
# The official ASP.NET Core runtime, only to copy /usr/share/dotnet from it.
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS aspnet

# ---------------------------------------------------------------------------------------------
# Runtime: Debian 12 (bookworm) + Debian's librdkafka 2.0.2 + the ASP.NET Core runtime.
FROM ${DEBIAN_IMAGE} AS runtime

ENV \
    # UID of the non-root user 'app' (the same as in Microsoft's images)
    APP_UID=1654 \
    DOTNET_RUNNING_IN_CONTAINER=true \
    # Listen on every interface: the default (127.0.0.1) cannot be scraped from outside the container.
    FunnelStream__Web__Listen=http://0.0.0.0:9464

# .NET's dependencies on Debian 12 as in Microsoft's former bookworm-slim runtime-deps image, less
# libicu72 (the app is built with InvariantGlobalization), plus the native Kafka client:
# librdkafka1 is the library, librdkafka-dev provides the unversioned librdkafka.so that
# Confluent.Kafka (and the embedded broker's P/Invoke) load by name.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates \
        libc6 \
        libgcc-s1 \
        libssl3 \
        libstdc++6 \
        tzdata \
        librdkafka1 \
        librdkafka-dev \
    && rm -rf /var/lib/apt/lists/* \
    && dpkg -L librdkafka-dev | grep -q '/librdkafka\.so$'

COPY --from=aspnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet

# A non-root user and group, as in Microsoft's images (uid/gid 1654, named 'app').
RUN groupadd --gid=$APP_UID app \
    && useradd -l --uid=$APP_UID --gid=$APP_UID --create-home app

WORKDIR /app
COPY --from=build /app ./

# Fails the build if the runtime cannot start the app on this base image.
RUN dotnet funnelstream.dll --help > /dev/null

# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 1654

EXPOSE 9464

# No HEALTHCHECK: the same image also runs `generate`, `broker` and `replay`, which serve no HTTP,
# and the base has no curl. docker-compose.yml defines one for the worker (bash /dev/tcp), and
# Kubernetes uses its own probes (deploy/kubernetes/deployment.yaml).

# The worker shuts down cleanly on SIGTERM (stops consuming, flushes dead letters, commits offsets):
# give it time (docker stop -t 30, stop_grace_period, terminationGracePeriodSeconds).
STOPSIGNAL SIGTERM
ENTRYPOINT ["dotnet", "funnelstream.dll"]
CMD ["run"]
