package dynamod.conf.load;

import dynamod.conf.schema.FileContext;
import dynamod.conf.schema.Located;
import dynamod.conf.schema.Schema;
import dynamod.conf.schema.TableReader;
import dynamod.conf.spec.GiveUp;
import dynamod.conf.spec.Intensity;
import dynamod.conf.spec.Strategy;
import dynamod.conf.spec.SupervisorSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.tomlj.TomlTable;

/** Reads one supervisor file into a {@link Draft}. */
final class SupervisorReader {

    private SupervisorReader() {}

    /**
     * @param name null when the file names no usable supervisor
     * @param parent null for root, or when unusable
     * @param spec null when the file has errors
     */
    record Draft(FileContext ctx, Located<String> name, Located<String> parent, SupervisorSpec spec) {}

    static Draft read(FileContext ctx, TomlTable root) {
        Document doc = new Document(ctx, root, Schema.SUPERVISOR);
        TableReader supervisor = doc.table(Schema.SupervisorKeys.SECTION);
        if (!supervisor.present()) {
            if (!root.contains(List.of("supervisor"))) {
                ctx.error(ctx.start(), root.contains(List.of("service"))
                        ? "this is a service file ([service]); service files belong in services/"
                        : "missing table [supervisor]; a supervisor file starts with [supervisor] and name = \"...\"");
            }
            supervisor.absenceReported();
        }
        supervisor.reportUnknownKeys(List.of(), Schema.SUPERVISOR.sections());
        String name = supervisor.get(Schema.SupervisorKeys.NAME);
        boolean isRoot = SupervisorSpec.ROOT.equals(name);
        Located<String> located = name == null ? null : new Located<>(name, supervisor.position(Schema.SupervisorKeys.NAME));

        Located<String> parent = null;
        if (isRoot && supervisor.has(Schema.SupervisorKeys.PARENT)) {
            ctx.error(supervisor.position(Schema.SupervisorKeys.PARENT), "[supervisor] parent: root is the top of the tree and has no parent");
        } else if (!isRoot) {
            String parentName = supervisor.get(Schema.SupervisorKeys.PARENT);
            if (parentName != null) parent = new Located<>(parentName, supervisor.position(Schema.SupervisorKeys.PARENT));
        }
        var description = supervisor.optional(Schema.SupervisorKeys.DESCRIPTION);
        Strategy strategy = supervisor.get(Schema.SupervisorKeys.STRATEGY);
        GiveUp giveUp = supervisor.get(Schema.SupervisorKeys.GIVE_UP);
        Duration giveUpDelay = supervisor.get(Schema.SupervisorKeys.GIVE_UP_DELAY);
        if (!isRoot && name != null) {
            for (var field : List.of(Schema.SupervisorKeys.GIVE_UP, Schema.SupervisorKeys.GIVE_UP_DELAY)) {
                if (supervisor.has(field)) {
                    ctx.error(supervisor.keyPosition(field), "[supervisor] " + field.key() + " is for root only: a supervisor "
                            + "that gives up fails to its parent, which decides");
                }
            }
        }

        TableReader restart = doc.table(Schema.IntensityKeys.SECTION);
        restart.reportUnknownKeys(List.of(), Schema.SUPERVISOR.sections());
        Integer maxRestarts = restart.get(Schema.IntensityKeys.MAX_RESTARTS);
        if (maxRestarts == null && !restart.has(Schema.IntensityKeys.MAX_RESTARTS)) {
            maxRestarts = isRoot ? Schema.IntensityKeys.ROOT_MAX_RESTARTS : Schema.IntensityKeys.DEFAULT_MAX_RESTARTS;
        }
        Duration window = restart.get(Schema.IntensityKeys.MAX_RESTART_WINDOW);
        if (window == null && !restart.has(Schema.IntensityKeys.MAX_RESTART_WINDOW)) {
            window = isRoot ? Schema.IntensityKeys.ROOT_WINDOW : Schema.IntensityKeys.DEFAULT_WINDOW;
        }

        SupervisorSpec spec = null;
        if (!ctx.hasErrors()) {
            spec = new SupervisorSpec(name, description, Optional.ofNullable(parent).map(Located::value), strategy,
                    new Intensity(maxRestarts, window), giveUp, giveUpDelay, Optional.of(ctx.file()));
        }
        return new Draft(ctx, located, parent, spec);
    }

    /** The root supervisor when no file configures it. */
    static SupervisorSpec implicitRoot() {
        return new SupervisorSpec(SupervisorSpec.ROOT, Optional.empty(), Optional.empty(), Strategy.ONE_FOR_ONE,
                new Intensity(Schema.IntensityKeys.ROOT_MAX_RESTARTS, Schema.IntensityKeys.ROOT_WINDOW),
                Schema.SupervisorKeys.GIVE_UP.defaultValue(), Schema.SupervisorKeys.GIVE_UP_DELAY.defaultValue(), Optional.empty());
    }
}
