# syntax=docker/dockerfile:1
# The Jaqmc service: built with the .NET SDK, run on the plain .NET runtime (the host needs no ASP.NET Core).
#   docker build -t jaqmc .        or        docker compose up --build

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /source

# Project files first, so the package restore layer is reused while only sources change.
COPY Directory.Build.props Directory.Packages.props ./
COPY src/Sinks/Jaqmc.Sinks.csproj src/Sinks/
COPY src/Training/Jaqmc.Training.csproj src/Training/
COPY src/Service/Jaqmc.Service.csproj src/Service/
COPY src/Cli/Jaqmc.Cli.csproj src/Cli/
RUN dotnet restore src/Cli/Jaqmc.Cli.csproj

COPY appsettings.json ./
COPY src/ src/
RUN dotnet publish src/Cli/Jaqmc.Cli.csproj -c Release --no-restore -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./

# Runs are written under /data (a volume in docker-compose.yml), owned by the image's non-root user.
RUN mkdir -p /data/runs && chown -R "$APP_UID" /data
ENV JAQMC_Run__WorkingDirectory=/data/runs
USER $APP_UID
ENTRYPOINT ["dotnet", "jaqmc.dll"]
