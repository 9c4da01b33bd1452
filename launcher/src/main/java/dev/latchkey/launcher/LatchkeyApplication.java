package dev.latchkey.launcher;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The single executable: every role (authorization server, broker, admin, pages) in one process. */
@SpringBootApplication(scanBasePackages = "dev.latchkey")
public class LatchkeyApplication {

    public static void main(String[] args) {
        SpringApplication.run(LatchkeyApplication.class, args);
    }
}
