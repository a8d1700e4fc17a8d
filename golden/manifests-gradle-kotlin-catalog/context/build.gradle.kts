plugins {
    kotlin("jvm") version "2.0.21"
    alias(libs.plugins.spring.boot)
    application
}

repositories { mavenCentral() }

dependencies {
    implementation(platform(libs.spring.bom))
    implementation("org.springframework.boot:spring-boot-starter-web")
}

application { mainClass.set("shop.AppKt") }
