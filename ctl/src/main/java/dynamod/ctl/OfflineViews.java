package dynamod.ctl;

import dynamod.ctl.diag.BootEvents;
import dynamod.ctl.diag.JournalViews;
import dynamod.ctl.diag.PastState;
import dynamod.ctl.diag.Times;
import dynamod.ctl.out.ServicePrinter;
import dynamod.journal.text.Json;
import dynamod.logd.query.LogQuery.BootSpec;
import dynamod.logd.query.QueryException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import java.util.Optional;

/**
 * When the manager does not answer: list, status and tree answer from the journal, as the state was at its last
 * event, and say so first ("manager not running — journal state as of …"; in JSON an {@code offline} field).
 * Commands that change something fail: there is no one to carry them out.
 */
final class OfflineViews {

    private OfflineViews() {}

    /** The response to a read-only request from the journal, or null (after saying why) if there is none. */
    static Map<String, Object> answer(ManagerCommands.Connection c, Map<String, Object> request, String unreachable) {
        String command = String.valueOf(request.get("command"));
        if (!JournalViews.READ_ONLY.contains(command)) {
            c.err().println("dynamodctl: " + unreachable);
            c.err().println("dynamodctl: the manager is not running: " + command + " needs it (list, status and tree still show "
                    + "the journal's state; start dynamod first)");
            return null;
        }
        Path journal = JournalLocation.locate(null, null, c.runtimeDir(), System.getenv());
        PastState past;
        try {
            past = PastState.of(BootEvents.read(journal, BootSpec.CURRENT), Optional.empty());
        } catch (IOException | QueryException | java.io.UncheckedIOException e) {
            c.err().println("dynamodctl: " + unreachable + " (is dynamod running? set --runtime-dir or DYNAMOD_RUNTIME_DIR); "
                    + "no journal to show instead: " + e.getMessage());
            return null;
        }
        if (past.lastEvent().isEmpty() || past.state().loaded().isEmpty()) {
            c.err().println("dynamodctl: " + unreachable + "; the journal " + journal + " has no configuration loaded in its last boot");
            return null;
        }
        String asOf = past.lastEvent().get().realtime().toString();
        Map<String, Object> response = JournalViews.answer(past, request);
        Map<String, Object> offline = Json.object();
        offline.put("asOf", asOf);
        offline.put("journal", journal.toString());
        offline.put("bootId", past.lastEvent().get().bootId().toString());
        offline.put("reason", unreachable);
        String headline = "manager not running — journal state as of " + Times.full(past.lastEvent().get().realtime(), ZoneId.systemDefault());
        if (c.json) {
            // The JSON stays what the live command prints, with the field added where it can go.
            response.put("offline", offline);
            if (response.get("tree") instanceof Map<?, ?> tree && !tree.isEmpty()) {
                @SuppressWarnings("unchecked")
                Map<String, Object> root = (Map<String, Object>) tree;
                root.put("offline", offline);
            }
            if (command.equals("list")) {
                for (Map<String, Object> s : ServicePrinter.maps(response.get("services"))) s.put("offline", offline);
            }
            c.err().println("dynamodctl: " + headline);
        } else {
            c.out().println(headline);
        }
        return response;
    }
}
