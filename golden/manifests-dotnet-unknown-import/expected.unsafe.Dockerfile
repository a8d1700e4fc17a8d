FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
ARG RepoRoot=/src/
WORKDIR /src
COPY src/Api/Api.csproj src/Api/
RUN dotnet restore src/Api/Api.csproj -p:RepoRoot=/src/
COPY . .
RUN dotnet publish src/Api/Api.csproj -c Release -p:RepoRoot=/src/ -o /app
