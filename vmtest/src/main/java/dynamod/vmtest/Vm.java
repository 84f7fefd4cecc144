package dynamod.vmtest;

import java.io.IOException;
import java.io.Writer;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One running QEMU guest. {@link #start} launches it with the serial console on QEMU's stdio, captured line by line
 * into {@link #console()} and {@code RUN_DIR/console.log}; a watchdog kills QEMU at the spec's hard timeout whatever
 * the test is doing. {@link #awaitExit()} gives the {@link VmResult}. Also in RUN_DIR: {@code qemu.cmdline},
 * {@code qemu.stderr} and, with a shell port, {@code shell.log}.
 */
public final class Vm implements AutoCloseable {

    private final VmSpec spec;
    private final Path runDir;
    private final long startNanos;
    private final Process process;
    private final LineLog console;
    private final Thread consolePump;
    private final Thread watchdog;
    private final Path socketDir;
    private final ServerSocketChannel shellServer;
    private final CompletableFuture<GuestShell> shell = new CompletableFuture<>();
    private volatile boolean timedOut;
    private volatile long exitNanos;

    private Vm(VmSpec spec, Path runDir) throws IOException {
        this.spec = spec;
        this.runDir = Files.createDirectories(runDir);
        // A unix socket path has at most 107 bytes; a run directory can be longer.
        this.socketDir = spec.shellPort() ? Files.createTempDirectory("dynamod-vm") : null;
        Path socket = socketDir == null ? null : socketDir.resolve("shell.sock");
        if (socket != null) {
            shellServer = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            shellServer.bind(UnixDomainSocketAddress.of(socket));
        } else {
            shellServer = null;
        }
        var command = spec.qemuCommand(socket);
        Files.writeString(runDir.resolve("qemu.cmdline"), String.join(" ", command) + "\n");
        Writer transcript = Files.newBufferedWriter(runDir.resolve("console.log"), StandardCharsets.UTF_8);
        this.startNanos = System.nanoTime();
        this.console = new LineLog("the serial console", startNanos);
        try {
            this.process = new ProcessBuilder(command).redirectError(runDir.resolve("qemu.stderr").toFile()).start();
        } catch (IOException e) {
            transcript.close();
            closeShellServer();
            throw new IOException("cannot start QEMU (" + command.get(3) + "; the image build installs qemu-system-x86): " + e.getMessage(), e);
        }
        this.consolePump = Thread.ofPlatform().daemon().name("vm-console-pump").start(() -> console.pump(process.getInputStream(), transcript));
        this.watchdog = Thread.ofPlatform().daemon().name("vm-watchdog").start(this::watch);
        if (shellServer != null) {
            Thread.ofPlatform().daemon().name("vm-shell-accept").start(() -> {
                try {
                    shell.complete(new GuestShell(shellServer.accept(), startNanos, runDir.resolve("shell.log")));
                } catch (IOException e) {
                    shell.completeExceptionally(e);
                }
            });
        }
    }

    /** Boots {@code spec}, keeping what it wrote in {@code runDir}. */
    public static Vm start(VmSpec spec, Path runDir) throws IOException {
        return new Vm(spec, runDir);
    }

    private void watch() {
        try {
            if (!process.waitFor(spec.timeout().toNanos(), TimeUnit.NANOSECONDS)) {
                timedOut = true;
                process.destroyForcibly();
                process.waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
        }
        exitNanos = System.nanoTime();
    }

    public VmSpec spec() {
        return spec;
    }

    /** The serial console, as it arrives. */
    public LineLog console() {
        return console;
    }

    /**
     * Types {@code text} on the serial console (QEMU's stdin), as a person at the console would: for the console's
     * own readers, such as dynamod-init's emergency shell.
     */
    public void typeOnConsole(String text) throws IOException {
        var in = process.getOutputStream();
        in.write(text.getBytes(StandardCharsets.UTF_8));
        in.flush();
    }

    /**
     * The guest shell on the spec's shell port, once QEMU has connected it and the guest has said {@code readyLine}
     * on it (the port only carries data once the guest has opened it).
     */
    public GuestShell shell(String readyLine, Duration timeout) throws IOException, TimeoutException, InterruptedException {
        if (shellServer == null) throw new IllegalStateException("this VM has no shell port (VmSpec.withShellPort())");
        long deadline = System.nanoTime() + timeout.toNanos();
        GuestShell connected;
        try {
            connected = shell.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IOException("QEMU did not connect the shell port", e.getCause());
        } catch (TimeoutException e) {
            throw new TimeoutException("QEMU did not connect the shell port within " + timeout + "; console:\n" + console.tail(20));
        }
        connected.lines().await(0, readyLine::equals, Duration.ofNanos(Math.max(0, deadline - System.nanoTime())), readyLine);
        return connected;
    }

    /** Waits for QEMU to exit (at the latest at the hard timeout, when the watchdog kills it). */
    public VmResult awaitExit() throws InterruptedException {
        watchdog.join();
        consolePump.join();
        String stderr;
        try {
            stderr = Files.readString(runDir.resolve("qemu.stderr")).strip();
        } catch (IOException e) {
            stderr = "(unreadable: " + e.getMessage() + ")";
        }
        var lines = console.lines();
        return new VmResult(process.exitValue(), timedOut, VmResult.Shutdown.of(lines), Duration.ofNanos(exitNanos - startNanos),
                lines, stderr);
    }

    /** Kills QEMU if it still runs and closes the shell port. */
    @Override
    public void close() throws IOException {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        shell.thenAccept(s -> {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        });
        closeShellServer();
    }

    private void closeShellServer() throws IOException {
        if (shellServer == null) return;
        shellServer.close();
        Files.deleteIfExists(socketDir.resolve("shell.sock"));
        Files.deleteIfExists(socketDir);
    }
}
