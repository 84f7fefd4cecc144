package dynamod.ctl.logs;

import dynamod.logd.query.Cursor;
import dynamod.logd.query.LogEntry;
import dynamod.journal.text.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Writes entries in one of journalctl's output modes, byte for byte where journald's formats are specified:
 * JSON values are strings, or arrays of byte values for data that is not printable UTF-8; the export format
 * writes such data as {@code NAME\n}, a little-endian 64-bit length, the bytes, {@code \n}. Not thread-safe.
 */
public final class LogWriter {

    private static final DateTimeFormatter SHORT = DateTimeFormatter.ofPattern("MMM dd HH:mm:ss", Locale.ENGLISH);
    private static final DateTimeFormatter PRECISE = DateTimeFormatter.ofPattern("MMM dd HH:mm:ss.SSSSSS", Locale.ENGLISH);
    private static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxxx", Locale.ENGLISH);
    private static final DateTimeFormatter ISO_PRECISE = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSxxx", Locale.ENGLISH);
    private static final DateTimeFormatter FULL = DateTimeFormatter.ofPattern("EEE yyyy-MM-dd HH:mm:ss zzz", Locale.ENGLISH);

    private final OutputStream out;
    private final LogFormat format;
    private final ZoneId zone;
    private final Optional<String> hostname;
    private final boolean all;
    private final boolean quiet;
    private UUID previousBoot;
    private long written;

    /**
     * @param hostname the host part of the short modes (empty: none, as {@code --no-hostname})
     * @param all show unprintable messages as they are instead of "[N blob data]" ({@code -a})
     * @param quiet no "-- Boot … --" and "-- No entries --" lines ({@code -q})
     */
    public LogWriter(OutputStream out, LogFormat format, ZoneId zone, Optional<String> hostname, boolean all, boolean quiet) {
        this.out = out;
        this.format = format;
        this.zone = zone;
        this.hostname = hostname;
        this.all = all;
        this.quiet = quiet;
    }

    /** {@code Tue 2026-12-01 10:00:00 UTC}: short-full's and --list-boots' time. */
    public static String fullTime(Instant t, ZoneId zone) {
        return FULL.format(t.atZone(named(zone)));
    }

    /** UTC as "UTC", as systemd writes it, not "Z". */
    private static ZoneId named(ZoneId zone) {
        return zone.normalized().equals(java.time.ZoneOffset.UTC) ? ZoneId.of("UTC") : zone;
    }

    public long written() {
        return written;
    }

    public void write(LogEntry e) throws IOException {
        if (format.isShort()) {
            if (!quiet && previousBoot != null && !previousBoot.equals(e.bootId())) ascii("-- Boot " + Cursor.Ids.hex(e.bootId()) + " --\n");
            previousBoot = e.bootId();
        }
        switch (format) {
            case CAT -> {
                out.write(e.message());
                out.write('\n');
            }
            case JSON -> {
                out.write(Json.write(jsonObject(e)).getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
            case JSON_PRETTY -> {
                StringBuilder b = new StringBuilder("{\n");
                boolean first = true;
                for (Map.Entry<String, Object> f : jsonObject(e).entrySet()) {
                    if (!first) b.append(",\n");
                    first = false;
                    b.append('\t').append(Json.write(f.getKey())).append(" : ").append(Json.write(f.getValue()));
                }
                out.write(b.append("\n}\n").toString().getBytes(StandardCharsets.UTF_8));
            }
            case EXPORT -> export(e);
            default -> shortLine(e);
        }
        written++;
    }

    /** journalctl's line when a short mode had nothing to show. */
    public void noEntries() throws IOException {
        if (format.isShort() && !quiet) ascii("-- No entries --\n");
    }

    /** {@code --show-cursor}'s last line. */
    public void cursor(Cursor cursor) throws IOException {
        ascii("-- cursor: " + cursor.format() + "\n");
    }

    public void flush() throws IOException {
        out.flush();
    }

    private void ascii(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
    }

    // ------------------------------------------------------------------ short modes

    private void shortLine(LogEntry e) throws IOException {
        StringBuilder prefix = new StringBuilder();
        Instant t = Instant.ofEpochSecond(Math.floorDiv(e.realtimeMicros(), 1_000_000L), Math.floorMod(e.realtimeMicros(), 1_000_000L) * 1000);
        switch (format) {
            case SHORT_PRECISE -> prefix.append(PRECISE.format(t.atZone(zone)));
            case SHORT_ISO -> prefix.append(ISO.format(t.atZone(zone)));
            case SHORT_ISO_PRECISE -> prefix.append(ISO_PRECISE.format(t.atZone(zone)));
            case SHORT_FULL, WITH_UNIT -> prefix.append(fullTime(t, zone));
            case SHORT_MONOTONIC -> prefix.append(String.format(Locale.ROOT, "[%5d.%06d]", e.monotonicMicros() / 1_000_000L,
                    e.monotonicMicros() % 1_000_000L));
            case SHORT_UNIX -> prefix.append(String.format(Locale.ROOT, "%d.%06d", Math.floorDiv(e.realtimeMicros(), 1_000_000L),
                    Math.floorMod(e.realtimeMicros(), 1_000_000L)));
            default -> prefix.append(SHORT.format(t.atZone(zone)));
        }
        hostname.ifPresent(h -> prefix.append(' ').append(h));
        byte[] unit = e.field("_SYSTEMD_UNIT");
        String who = format == LogFormat.WITH_UNIT && unit != null ? new String(unit, StandardCharsets.UTF_8)
                : !e.identifier().isEmpty() ? e.identifier() : !e.service().isEmpty() ? e.service() : "unknown";
        prefix.append(' ').append(who);
        if (e.pid() > 0) prefix.append('[').append(e.pid()).append(']');
        prefix.append(": ");
        byte[] message = e.message();
        ascii(prefix.toString());
        if (all) {
            out.write(message);
        } else if (printable(message, true)) {
            // Continuation lines are indented under the first, as journalctl does.
            String text = new String(message, StandardCharsets.UTF_8);
            ascii(text.replace("\n", "\n" + " ".repeat(prefix.length())));
        } else {
            ascii("[" + bytes(message.length) + " blob data]");
        }
        out.write('\n');
    }

    /** systemd's format_bytes: {@code 12B}, {@code 1.5K}, {@code 3.0M}. */
    public static String bytes(long n) {
        String[] suffixes = {"E", "P", "T", "G", "M", "K"};
        long factor = 1L << 60;
        for (String s : suffixes) {
            if (n >= factor) return (n / factor) + "." + (n * 10 / factor % 10) + s;
            factor >>= 10;
        }
        return n + "B";
    }

    // ------------------------------------------------------------------ JSON and export

    private static Map<String, Object> jsonObject(LogEntry e) {
        Map<String, Object> o = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> f : e.fields().entrySet()) o.put(f.getKey(), jsonValue(f.getValue()));
        return o;
    }

    private static Object jsonValue(byte[] value) {
        if (printable(value, true)) return new String(value, StandardCharsets.UTF_8);
        List<Integer> numbers = new ArrayList<>(value.length);
        for (byte b : value) numbers.add(b & 0xff);
        return numbers;
    }

    private void export(LogEntry e) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        for (Map.Entry<String, byte[]> f : e.fields().entrySet()) {
            byte[] value = f.getValue();
            b.write(f.getKey().getBytes(StandardCharsets.US_ASCII));
            if (printable(value, false)) {
                b.write('=');
            } else {
                b.write('\n');
                b.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value.length).array());
            }
            b.write(value);
            b.write('\n');
        }
        b.write('\n');
        b.writeTo(out);
    }

    /**
     * journald's rule (utf8_is_printable_newline): valid UTF-8 with no control characters but tab (and newline,
     * if allowed).
     */
    public static boolean printable(byte[] data, boolean newline) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\t' || (newline && c == '\n')) continue;
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return false;
        }
        return true;
    }
}
