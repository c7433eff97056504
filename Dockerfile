# Build: Maven on a JDK, then run on a plain JRE.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
# -Pproduction: the jar without the embedded PostgreSQL/Redis binaries of `demo` (docs/demo.md)
RUN mvn -B -q -Pproduction dependency:go-offline
COPY src ./src
RUN mvn -B -q -Pproduction package -DskipTests

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/target/switchboard.jar /app/switchboard.jar
COPY conf /app/conf
COPY web /app/web
EXPOSE 8080
USER 10001
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/switchboard.jar"]
