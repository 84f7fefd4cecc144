package dynamod.conf;

import static dynamod.conf.Configs.assertClean;
import static dynamod.conf.Configs.assertDiagnostics;
import static dynamod.conf.Configs.assertHas;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dynamod.conf.spec.GiveUp;
import dynamod.conf.spec.Intensity;
import dynamod.conf.spec.Strategy;
import dynamod.conf.spec.SupervisorSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SupervisorRulesTest {

    private static LoadResult load(String toml) {
        return Configs.of().supervisor("data.toml", toml).load();
    }

    @Test
    void aSupervisorGetsTheDocumentedDefaults() {
        LoadResult result = load("[supervisor]\nname = \"data\"\n");
        assertClean(result);
        assertEquals(new SupervisorSpec("data", Optional.empty(), Optional.of("root"), Strategy.ONE_FOR_ONE,
                new Intensity(10, Duration.ofMinutes(5)), GiveUp.STOP, Duration.ofMinutes(1), Optional.of(Path.of("supervisors", "data.toml"))),
                result.configuration().supervisors().get("data"));
    }

    @Test
    void theRootExistsWithoutAFileAndHasItsOwnDefaults() {
        SupervisorSpec root = Configs.of().load().configuration().root();
        assertEquals(new SupervisorSpec("root", Optional.empty(), Optional.empty(), Strategy.ONE_FOR_ONE,
                new Intensity(20, Duration.ofMinutes(10)), GiveUp.STOP, Duration.ofMinutes(1), Optional.empty()), root);
        SupervisorSpec configured = load("[supervisor]\nname = \"root\"\nstrategy = \"one-for-all\"\n").configuration().root();
        assertEquals(Strategy.ONE_FOR_ALL, configured.strategy());
        assertEquals(new Intensity(20, Duration.ofMinutes(10)), configured.intensity());
    }

    @Test
    void everyFieldIsRead() {
        LoadResult result = load("""
                [supervisor]
                name = "data"
                description = "the data tier"
                parent = "root"
                strategy = "rest-for-one"
                [restart]
                max-restarts = 3
                max-restart-window = "30s"
                """);
        SupervisorSpec data = result.configuration().supervisors().get("data");
        assertEquals(Optional.of("the data tier"), data.description());
        assertEquals(Strategy.REST_FOR_ONE, data.strategy());
        assertEquals(new Intensity(3, Duration.ofSeconds(30)), data.intensity());
    }

    @Test
    void onlyRootDecidesWhatGivingUpMeans() {
        SupervisorSpec root = load("[supervisor]\nname = \"root\"\ngive-up = \"restart\"\ngive-up-delay = \"30s\"\n").configuration().root();
        assertEquals(GiveUp.RESTART, root.giveUp());
        assertEquals(Duration.ofSeconds(30), root.giveUpDelay());
        assertDiagnostics(load("[supervisor]\nname = \"data\"\ngive-up = \"reboot\"\n"),
                "supervisors/data.toml:3:1: error: [supervisor] give-up is for root only: a supervisor that gives up fails to its parent, which decides");
        assertHas(load("[supervisor]\nname = \"root\"\ngive-up = \"panic\"\n"), "\"panic\" is not one of \"stop\", \"restart\", \"reboot\", \"poweroff\"");
    }

    @Test
    void rootHasNoParent() {
        assertDiagnostics(load("[supervisor]\nname = \"root\"\nparent = \"other\"\n"),
                "supervisors/data.toml:2:8: warning: the built-in root supervisor (one-for-one, 20 restarts in 10m) is used until this file loads",
                "supervisors/data.toml:3:10: error: [supervisor] parent: root is the top of the tree and has no parent");
    }

    @Test
    void badValuesAndUnknownKeys() {
        assertDiagnostics(load("[supervisor]\nname = \"data\"\nstrategy = \"one_for_all\"\n"),
                "supervisors/data.toml:3:12: error: [supervisor] strategy: \"one_for_all\" is not one of \"one-for-one\", "
                        + "\"one-for-all\", \"rest-for-one\"; did you mean \"one-for-all\"?");
        assertDiagnostics(load("[supervisor]\nname = \"data\"\n[restart]\nintensity = 5\n"),
                "supervisors/data.toml:4:1: error: unknown key \"intensity\" in [restart]; [restart] has max-restarts, max-restart-window");
        assertDiagnostics(load("[supervisor]\nname = \"data\"\n[restart]\nmax-restart-window = \"0\"\n"),
                "supervisors/data.toml:4:22: error: [restart] max-restart-window: 0s is too short; it must be at least 1ms");
        assertHas(load("[supervisor]\nname = \"data\"\n[restart]\ndelay = 1\n"), "unknown key \"delay\" in [restart]");
        assertHas(load("[supervisor]\nname = \"my data\"\n"), "[supervisor] name: \"my data\" is not a valid name: it contains a space");
    }

    @Test
    void aServiceFileAmongSupervisorsIsPointedOut() {
        assertDiagnostics(load("[service]\nname = \"x\"\n"),
                "supervisors/data.toml:1:1: error: this is a service file ([service]); service files belong in services/");
    }
}
