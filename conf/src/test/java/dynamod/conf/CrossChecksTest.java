package dynamod.conf;

import static dynamod.conf.Configs.assertClean;
import static dynamod.conf.Configs.assertDiagnostics;
import static dynamod.conf.Configs.serviceText;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The rules that relate files: names, references, the supervision tree and the start order. */
class CrossChecksTest {

    private static String sup(String name, String more) {
        return "[supervisor]\nname = \"" + name + "\"\n" + more;
    }

    @Test
    void aDuplicateServiceNameKeepsEveryDefinitionOut() {
        LoadResult result = Configs.of().service("a.toml", serviceText("web", "")).service("b.toml", serviceText("web", "")).load();
        assertDiagnostics(result, "services/b.toml:2:8: error: service \"web\" is defined more than once; none of its 2 definitions is loaded");
        assertEquals("services/a.toml:2:8: note: first defined here", result.diagnostics().getFirst().notes().getFirst().toString());
        assertTrue(result.configuration().services().isEmpty());
        assertEquals(Set.of("web"), result.rejectedServices());
    }

    @Test
    void aDuplicateSupervisorName() {
        LoadResult result = Configs.of().supervisor("a.toml", sup("data", "")).supervisor("b.toml", sup("data", "")).load();
        assertDiagnostics(result, "supervisors/b.toml:2:8: error: supervisor \"data\" is defined more than once; none of its 2 definitions is loaded");
        assertEquals(Set.of("data"), result.rejectedSupervisors());
    }

    @Test
    void servicesAndSupervisorsShareOneNamespace() {
        LoadResult result = Configs.of().service("data.toml", serviceText("data", "")).supervisor("data.toml", sup("data", ""))
                .service("root.toml", serviceText("root", "")).load();
        assertDiagnostics(result,
                "services/data.toml:2:8: error: \"data\" is also the name of a supervisor; services and supervisors share one namespace, so this service is not loaded",
                "services/root.toml:2:8: error: \"root\" is also the name of a supervisor; services and supervisors share one namespace, so this service is not loaded");
        assertEquals(Set.of("root", "data"), result.configuration().supervisors().keySet());
    }

    @Test
    void unknownSupervisorsAreErrorsWithASuggestion() {
        LoadResult result = Configs.of().supervisor("storage.toml", sup("storage", ""))
                .service("db.toml", serviceText("db", "supervisor = \"storag\"\n"))
                .supervisor("x.toml", sup("x", "parent = \"nowhere\"\n")).load();
        assertDiagnostics(result,
                "services/db.toml:4:14: error: unknown supervisor \"storag\"; did you mean \"storage\"?",
                "supervisors/x.toml:3:10: error: unknown parent supervisor \"nowhere\"");
        assertEquals(Set.of("root", "storage"), result.configuration().supervisors().keySet());
    }

    @Test
    void aSupervisorParentCycleIsNamedEdgeByEdge() {
        LoadResult result = Configs.of()
                .supervisor("a.toml", sup("a", "parent = \"b\"\n"))
                .supervisor("b.toml", sup("b", "parent = \"c\"\n"))
                .supervisor("c.toml", sup("c", "parent = \"a\"\n"))
                .supervisor("d.toml", sup("d", "parent = \"a\"\n"))
                .service("s.toml", serviceText("s", "supervisor = \"d\"\n")).load();
        assertDiagnostics(result,
                "services/s.toml:4:14: warning: service \"s\" is not loaded: its supervisor \"d\" is not loaded",
                "supervisors/a.toml:3:10: error: supervisor parent cycle: a → b → c → a; a supervision tree must lead up to root, so none of these is loaded",
                "supervisors/d.toml:2:8: warning: supervisor \"d\" is not loaded: its parent \"a\" is not loaded");
        assertEquals(List.of("supervisors/a.toml:3:10: note: a has parent b", "supervisors/b.toml:3:10: note: b has parent c",
                "supervisors/c.toml:3:10: note: c has parent a"),
                result.diagnostics().get(1).notes().stream().map(Object::toString).toList());
        assertEquals(Set.of("a", "b", "c", "d"), result.rejectedSupervisors());
        assertEquals(Set.of("s"), result.rejectedServices());
    }

    @Test
    void anUnknownRequirementIsAnErrorButUnknownOrderingOnlyAWarning() {
        LoadResult result = Configs.of().service("db.toml", serviceText("db", ""))
                .service("web.toml", serviceText("web", "[dependencies]\nrequires = [\"dbb\"]\nwants = [\"cache\"]\nafter = [\"log\"]\nbefore = [\"x\"]\n"))
                .load();
        assertDiagnostics(result,
                "services/web.toml:5:13: error: [dependencies] requires: unknown service \"dbb\"; did you mean \"db\"?",
                "services/web.toml:6:10: warning: [dependencies] wants: unknown service \"cache\" (ordering against an absent service has no effect)",
                "services/web.toml:7:10: warning: [dependencies] after: unknown service \"log\" (ordering against an absent service has no effect)",
                "services/web.toml:8:11: warning: [dependencies] before: unknown service \"x\" (ordering against an absent service has no effect)");
        assertEquals(Set.of("db"), result.configuration().services().keySet());
    }

    @Test
    void requiringABrokenServiceLoadsTheRequirerBlockedWithAWarning() {
        LoadResult result = Configs.of().service("db.toml", serviceText("db", "type = \"bogus\"\n"))
                .service("web.toml", serviceText("web", "[dependencies]\nrequires = [\"db\"]\n")).load();
        assertDiagnostics(result,
                "services/db.toml:4:8: error: [service] type: \"bogus\" is not one of \"simple\", \"oneshot\", \"forking\", \"notify\"",
                "services/web.toml:5:13: warning: requires \"db\", which is not loaded; \"web\" cannot start until it is");
        assertEquals(Set.of("web"), result.configuration().services().keySet());
        assertEquals(Set.of("db"), result.rejectedServices());
    }

    @Test
    void aBrokenFileStillDeclaresItsNameSoReferencesToItAreNotUnknown() {
        LoadResult result = Configs.of().service("db.toml", "[service]\nname = \"db\"\nexec = [\"/bin/x\"\n")
                .service("web.toml", serviceText("web", "[dependencies]\nrequires = [\"db\"]\n")).load();
        assertEquals(List.of("services/db.toml:4:1: error: TOML syntax: Unexpected end of input, expected ] or a comma; the array opened at line 3, column 8 is unclosed",
                "services/web.toml:5:13: warning: requires \"db\", which is not loaded; \"web\" cannot start until it is"),
                Configs.headlines(result));
    }

    @Test
    void aDependencyCycleIsNamedWithEachEdgesPosition() {
        LoadResult result = Configs.of()
                .service("a.toml", serviceText("a", "[dependencies]\nrequires = [\"b\"]\nbefore = [\"e\"]\n"))
                .service("b.toml", serviceText("b", "[dependencies]\nafter = [\"c\"]\n"))
                .service("c.toml", serviceText("c", "[dependencies]\nwants = [\"d\"]\n"))
                .service("d.toml", serviceText("d", "[dependencies]\nafter = [\"e\"]\n"))
                .service("e.toml", serviceText("e", ""))
                .service("f.toml", serviceText("f", "[dependencies]\nrequires = [\"a\"]\n"))
                .service("g.toml", serviceText("g", "[dependencies]\nafter = [\"a\"]\n")).load();
        assertDiagnostics(result,
                "services/a.toml:5:13: error: dependency cycle: a → b → c → d → e → a (each waits for the next); none of these services is loaded",
                "services/f.toml:5:13: warning: requires \"a\", which is not loaded; \"f\" cannot start until it is");
        assertEquals(List.of("services/a.toml:5:13: note: a requires b", "services/b.toml:5:10: note: b after c",
                "services/c.toml:5:10: note: c wants d", "services/d.toml:5:10: note: d after e", "services/a.toml:6:11: note: a before e"),
                result.diagnostics().getFirst().notes().stream().map(Object::toString).toList());
        assertEquals(Set.of("f", "g"), result.configuration().services().keySet(), "the rest of the system loads");
        assertEquals(Set.of("a", "b", "c", "d", "e"), result.rejectedServices());
    }

    @Test
    void everyMemberOfATangleIsOnSomePrintedCycle() {
        LoadResult result = Configs.of()
                .service("a.toml", serviceText("a", "[dependencies]\nafter = [\"b\", \"c\"]\n"))
                .service("b.toml", serviceText("b", "[dependencies]\nafter = [\"a\"]\n"))
                .service("c.toml", serviceText("c", "[dependencies]\nafter = [\"a\"]\n")).load();
        assertDiagnostics(result,
                "services/a.toml:5:10: error: dependency cycle: a → b → a (each waits for the next); none of these services is loaded",
                "services/a.toml:5:15: error: dependency cycle: a → c → a (each waits for the next); none of these services is loaded");
    }

    @Test
    void anInvalidRootFileFallsBackToTheBuiltInRoot() {
        LoadResult result = Configs.of().supervisor("root.toml", sup("root", "strategy = \"all\"\n"))
                .service("s.toml", serviceText("s", "")).load();
        assertEquals(2, result.diagnostics().size());
        assertEquals(Set.of("s"), result.configuration().services().keySet());
        assertEquals(20, result.configuration().root().intensity().maxRestarts());
    }

    @Test
    void aSingleFileIsCheckedWithoutItsReferences() {
        LoadResult result = ConfigLoader.load(List.of(new ConfigSource(java.nio.file.Path.of("web.toml"),
                serviceText("web", "supervisor = \"frontend\"\n[dependencies]\nrequires = [\"db\"]\n").getBytes(), ConfigSource.Kind.BY_CONTENT)));
        assertClean(result);
        assertTrue(result.partial());
        assertEquals(Set.of("web"), result.configuration().services().keySet());
        LoadResult supervisor = ConfigLoader.load(List.of(new ConfigSource(java.nio.file.Path.of("x.toml"),
                sup("x", "").getBytes(), ConfigSource.Kind.BY_CONTENT)));
        assertEquals(Set.of("root", "x"), supervisor.configuration().supervisors().keySet());
    }
}
