package dynamod.ctl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the repository's launchers (bin/dynamod, bin/dynamodctl) as a user does, for the *IT tests. */
final class HostCommands {

    static final Path REPO = Path.of("..").toAbsolutePath().normalize();

    record Result(int exit, String out, String err) {}

    private HostCommands() {}

    static Result run(String... command) throws IOException, InterruptedException {
        return run(Map.of(), command);
    }

    /** Runs {@code command} in the repository with {@code env} added; fails the test if it takes over two minutes. */
    static Result run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("dynamodctl", ".out");
        Path err = Files.createTempFile("dynamodctl", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(REPO.toFile());
            builder.environment().putAll(env);
            Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("did not finish: " + String.join(" ", command));
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.delete(out);
            Files.delete(err);
        }
    }
}
