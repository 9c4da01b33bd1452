package dev.latchkey.benchmarks.noop;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Spring MVC endpoint that does nothing: {@code GET /noop} answers {@code ok}. The broker's fetch target was stated
 * next to what such an endpoint serves on the machine it was set for; measuring it here, in the same run and with the
 * same load generator, tells how much of this machine's ceiling the fetch uses. Not part of the product.
 */
@SpringBootApplication
@RestController
public class NoopServer {

    public static void main(String[] args) {
        SpringApplication.run(NoopServer.class, args);
    }

    @GetMapping("/noop")
    String noop() {
        return "ok";
    }
}
