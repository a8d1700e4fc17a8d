FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build
WORKDIR /src
COPY Shop.sln ./
COPY Api/Api.csproj Api/
WORKDIR /src/Api
RUN dotnet restore
WORKDIR /src
COPY . .
WORKDIR /src/Api
RUN dotnet publish -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:8.0
WORKDIR /app
COPY --from=build /app .
ENTRYPOINT ["dotnet", "Api.dll"]
