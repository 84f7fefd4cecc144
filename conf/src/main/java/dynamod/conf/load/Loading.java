package dynamod.conf.load;

import dynamod.conf.ConfigSource;
import dynamod.conf.Configuration;
import dynamod.conf.Diagnostic;
import dynamod.conf.LoadResult;
import dynamod.conf.SourcePosition;
import dynamod.conf.schema.FileContext;
import dynamod.conf.schema.Located;
import dynamod.conf.schema.Names;
import dynamod.conf.schema.SourceText;
import dynamod.conf.spec.ServiceSpec;
import dynamod.conf.spec.SupervisorSpec;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tomlj.Toml;
import org.tomlj.TomlParseError;
import org.tomlj.TomlParseOptions;
import org.tomlj.TomlParseResult;

/**
 * The pure part of loading: files in memory to specs and diagnostics. Each file is decoded, parsed and read on
 * its own (one broken file never hides another's diagnostics), then {@link CrossChecks} relates them.
 */
public final class Loading {

    private Loading() {}

    /** Deeper nesting than this is refused by the parser; no configuration needs more than three levels. */
    private static final int MAX_NESTING = 32;

    public static LoadResult load(List<ConfigSource> sources, List<Diagnostic> readProblems, boolean singleFile) {
        List<Diagnostic> diagnostics = new ArrayList<>(readProblems);
        List<ServiceReader.Draft> services = new ArrayList<>();
        List<SupervisorReader.Draft> supervisors = new ArrayList<>();
        Map<java.nio.file.Path, List<String>> lines = new HashMap<>();
        for (ConfigSource source : sources) {
            try {
                diagnostics.addAll(readOne(source, services, supervisors, lines).diagnostics());
            } catch (RuntimeException | StackOverflowError e) {
                // A bug, not bad input: still a diagnostic, so one file never stops the others.
                diagnostics.add(Diagnostic.error(SourcePosition.wholeFile(source.path()),
                        "internal error while reading this file (please report it): " + e));
            }
        }
        CrossChecks checks = new CrossChecks(services, supervisors, singleFile);
        diagnostics.addAll(checks.diagnostics());

        java.util.SortedMap<String, ServiceSpec> loadedServices = new java.util.TreeMap<>();
        for (ServiceReader.Draft draft : services) {
            if (checks.loaded(draft)) loadedServices.put(draft.spec().name(), draft.spec());
        }
        java.util.SortedMap<String, SupervisorSpec> loadedSupervisors = new java.util.TreeMap<>();
        for (SupervisorSpec spec : checks.loadedSupervisors()) loadedSupervisors.put(spec.name(), spec);
        return new LoadResult(new Configuration(loadedServices, loadedSupervisors), diagnostics,
                checks.rejectedServices(), checks.rejectedSupervisors(), services.size(), supervisors.size(),
                contentHash(sources), singleFile, lines);
    }

    private static FileContext readOne(ConfigSource source, List<ServiceReader.Draft> services,
            List<SupervisorReader.Draft> supervisors, Map<java.nio.file.Path, List<String>> lines) {
        String text = decode(source);
        if (text == null) {
            // Shown with replacement characters, so the excerpt under the error still shows the line.
            SourceText lenient = new SourceText(new String(source.bytes(), StandardCharsets.UTF_8));
            lines.put(source.path(), lenient.lines());
            FileContext ctx = new FileContext(source.path(), lenient);
            ctx.error(invalidUtf8Position(source), "the file is not valid UTF-8 (TOML files must be UTF-8)");
            if (source.kind() == ConfigSource.Kind.SUPERVISOR) supervisors.add(new SupervisorReader.Draft(ctx, null, null, null));
            else services.add(new ServiceReader.Draft(ctx, null, null, Map.of(), null));
            return ctx;
        }
        SourceText sourceText = new SourceText(text);
        lines.put(source.path(), sourceText.lines());
        FileContext ctx = new FileContext(source.path(), sourceText);
        TomlParseResult toml;
        try {
            toml = Toml.parse(text, TomlParseOptions.sourceless().withMaxNestingDepth(MAX_NESTING));
        } catch (RuntimeException | StackOverflowError e) {
            ctx.error(ctx.start(), "the TOML parser gave up on this file: " + e);
            return ctx;
        }
        ConfigSource.Kind kind = source.kind();
        if (kind == ConfigSource.Kind.BY_CONTENT) {
            kind = toml.contains(List.of("supervisor")) && !toml.contains(List.of("service"))
                    ? ConfigSource.Kind.SUPERVISOR : ConfigSource.Kind.SERVICE;
        }
        if (!toml.errors().isEmpty()) {
            for (TomlParseError error : toml.errors()) {
                ctx.error(ctx.at(error.position()), "TOML syntax: " + messageOf(error));
            }
            // Keep the name, if it survived, so other files' references to it are not reported as unknown too.
            Located<String> name = salvageName(toml, kind, ctx);
            if (kind == ConfigSource.Kind.SERVICE) services.add(new ServiceReader.Draft(ctx, name, null, Map.of(), null));
            else supervisors.add(new SupervisorReader.Draft(ctx, name, null, null));
            return ctx;
        }
        if (kind == ConfigSource.Kind.SERVICE) services.add(ServiceReader.read(ctx, toml));
        else supervisors.add(SupervisorReader.read(ctx, toml));
        return ctx;
    }

    private static Located<String> salvageName(TomlParseResult toml, ConfigSource.Kind kind, FileContext ctx) {
        String table = kind == ConfigSource.Kind.SERVICE ? "service" : "supervisor";
        // Single-key lookups only: tomlj throws on a dotted path through a value that is not a table.
        if (!(toml.get(List.of(table)) instanceof org.tomlj.TomlTable main)) return null;
        if (main.get(List.of("name")) instanceof String s && Names.problem(s).isEmpty()) {
            return new Located<>(s, ctx.at(main.inputPositionOf(List.of("name"))));
        }
        return null;
    }

    /** tomlj's message without the "(line N, column M)" it appends: the position is printed in front. */
    private static String messageOf(TomlParseError error) {
        String message = Optional.ofNullable(error.getMessage()).orElse("invalid TOML");
        return message.replaceFirst("\\s*\\(line \\d+, column \\d+\\)$", "");
    }

    /** Strict UTF-8 (a byte-order mark is skipped); null if the bytes are not UTF-8. */
    private static String decode(ConfigSource source) {
        byte[] bytes = source.bytes();
        int start = bytes.length >= 3 && (bytes[0] & 0xff) == 0xef && (bytes[1] & 0xff) == 0xbb && (bytes[2] & 0xff) == 0xbf ? 3 : 0;
        CharsetDecoder decoder = strictDecoder();
        try {
            return decoder.decode(ByteBuffer.wrap(bytes, start, bytes.length - start)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }

    private static CharsetDecoder strictDecoder() {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** Line and column (in characters) of the first byte that is not UTF-8. */
    private static SourcePosition invalidUtf8Position(ConfigSource source) {
        byte[] bytes = source.bytes();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = strictDecoder().decode(in, out, true);
        int offset = result.isError() ? in.position() : bytes.length;
        int lineStart = 0;
        int line = 1;
        for (int i = 0; i < offset; i++) {
            if (bytes[i] == '\n') {
                line++;
                lineStart = i + 1;
            }
        }
        String prefix = new String(bytes, lineStart, offset - lineStart, StandardCharsets.UTF_8);
        int column = prefix.codePointCount(0, prefix.length()) + 1;
        return new SourcePosition(source.path(), line, column);
    }

    private static String contentHash(List<ConfigSource> sources) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            // By kind and file name, not by full path: the same files hash the same wherever they are.
            Comparator<ConfigSource> order = Comparator.comparing((ConfigSource s) -> s.kind())
                    .thenComparing(s -> s.path().getFileName().toString());
            for (ConfigSource source : sources.stream().sorted(order).toList()) {
                digest.update((source.kind() + "/" + source.path().getFileName()).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(ByteBuffer.allocate(8).putLong(0, source.bytes().length));
                digest.update(source.bytes());
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
