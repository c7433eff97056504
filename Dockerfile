# Build: Maven on a JDK, then run on a plain JRE.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
# -Pproduction: the jar without the embedded PostgreSQL/Redis binaries (docs/demo.md), so the
# image needs DATABASE_URL and REDIS_URL and says so in one line when they are missing
RUN mvn -B -q -Pproduction dependency:go-offline
COPY src ./src
# the inbox's pages go into the jar (the simulator's stay out: -Pproduction and .dockerignore)
COPY web ./web
RUN mvn -B -q -Pproduction package -DskipTests

FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/target/switchboard.jar /app/switchboard.jar
COPY conf /app/conf
EXPOSE 8080
USER 10001
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/switchboard.jar"]
