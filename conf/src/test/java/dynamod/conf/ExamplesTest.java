package dynamod.conf;

import static dynamod.conf.Configs.assertClean;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dynamod.conf.spec.EnvironmentFile;
import dynamod.conf.spec.Readiness;
import dynamod.conf.spec.ServiceType;
import dynamod.conf.spec.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The example system loads without a single diagnostic and means what conf/examples/README.md says. */
class ExamplesTest {

    private final LoadResult result = ConfigLoader.load(Examples.directory());
    private final Configuration config = result.configuration();

    @Test
    void loadsCleanly() {
        assertClean(result);
        assertFalse(result.partial());
        assertEquals(Set.of("setup", "banner", "clock", "db", "cache", "web", "api", "legacy", "sandbox"),
                config.services().keySet());
        assertEquals(Set.of("root", "storage", "frontend"), config.supervisors().keySet());
    }

    @Test
    void showsEachServiceTypeAndReadiness() {
        assertEquals(ServiceType.ONESHOT, config.services().get("setup").type());
        assertEquals(new Readiness.Exit(Optional.of(Duration.ofSeconds(30))), config.services().get("setup").readiness());
        assertEquals(new Readiness.Immediate(), config.services().get("clock").readiness());
        assertEquals(new dynamod.conf.spec.LogSettings(100, Duration.ofMinutes(1), 4096), config.services().get("clock").logs());
        assertEquals(dynamod.conf.spec.LogSettings.DEFAULT, config.services().get("db").logs());
        assertEquals(new Readiness.Fd(3, Optional.of(Duration.ofSeconds(5))), config.services().get("db").readiness());
        assertEquals(new Readiness.Exec(List.of("/bin/test", "-e", "/tmp/dynamod-example/cache.ready"), Duration.ofMillis(200),
                Optional.of(Duration.ofSeconds(10))), config.services().get("cache").readiness());
        assertEquals(new Readiness.TcpPort("127.0.0.1", 18080, Duration.ofMillis(100), Optional.of(Duration.ofSeconds(10))),
                config.services().get("web").readiness());
        assertEquals(new Readiness.Notify(Optional.of(Duration.ofSeconds(15))), config.services().get("api").readiness());
        assertEquals(ServiceType.FORKING, config.services().get("legacy").type());
        assertEquals(new Readiness.Exit(Optional.of(Duration.ofSeconds(30))), config.services().get("legacy").readiness());
    }

    @Test
    void theSandboxAsksForIdentityAndIsolation() {
        var sandbox = config.services().get("sandbox");
        assertEquals(java.util.Optional.of("nobody"), sandbox.credentials().user());
        assertEquals(Set.of(dynamod.conf.spec.Namespace.PID, dynamod.conf.spec.Namespace.UTS, dynamod.conf.spec.Namespace.NET,
                dynamod.conf.spec.Namespace.IPC), sandbox.isolation().namespaces());
        assertEquals(dynamod.conf.spec.ProtectSystem.STRICT, sandbox.isolation().protectSystem());
        assertEquals(java.nio.file.Path.of("/data"), sandbox.isolation().bindMounts().getFirst().target());
        assertEquals(java.util.Optional.of(java.nio.file.Path.of("/tmp/dynamod-example/www")), config.services().get("web").workdir());
    }

    @Test
    void environmentFilesResolveInsideTheExampleDirectory() {
        List<EnvironmentFile> files = config.services().get("db").environmentFiles();
        assertEquals(Examples.directory().toAbsolutePath().resolve("env/db.env").normalize(), files.get(0).path());
        assertFalse(files.get(0).optional());
        assertEquals(new EnvironmentFile(java.nio.file.Path.of("/etc/dynamod-example/db.env"), true), files.get(1));
    }

    @Test
    void supervisorsAndStartOrder() {
        assertEquals(Strategy.ONE_FOR_ALL, config.supervisors().get("storage").strategy());
        assertEquals(Strategy.REST_FOR_ONE, config.supervisors().get("frontend").strategy());
        assertEquals(List.of(List.of("banner", "setup"), List.of("clock", "db", "legacy", "sandbox"), List.of("cache"), List.of("web"),
                List.of("api")), config.startOrder().waves());
    }
}
