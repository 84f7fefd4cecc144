package dynamod.ctl.diag;

import dynamod.journal.text.Json;
import dynamod.svmgr.control.Views;
import dynamod.svmgr.core.State;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The read-only control requests (list, status, tree) answered from a rebuilt state instead of the manager, with
 * the same {@link Views} and the same response shapes as svmgr's control server: what {@code state --at} and the
 * offline views print through the live commands' own rendering.
 */
public final class JournalViews {

    private JournalViews() {}

    public static final List<String> READ_ONLY = List.of("list", "status", "tree");

    /** The response to {@code request}; a command that is not read-only is an error response. */
    public static Map<String, Object> answer(PastState past, Map<String, Object> request) {
        State state = past.state();
        String command = String.valueOf(request.get("command"));
        Map<String, Object> r = Json.object();
        r.put("ok", true);
        switch (command) {
            case "list" -> r.put("services", Views.services(state, past.nowMono(), past.nowRealMillis()));
            case "tree" -> r.put("tree", Views.tree(state));
            case "status" -> {
                List<Object> found = new ArrayList<>(), unknown = new ArrayList<>();
                Object names = request.get("services");
                for (Object n : names instanceof List<?> l ? l : List.of()) {
                    String name = String.valueOf(n);
                    if (state.runtimeOf(name).isPresent()) found.add(Views.status(state, name, past.nowMono(), past.nowRealMillis()));
                    else unknown.add(name);
                }
                r.put("services", found);
                r.put("unknown", unknown);
            }
            default -> {
                r.put("ok", false);
                r.put("code", "not-read-only");
                r.put("error", command + " needs a running manager: the journal only tells how things were");
            }
        }
        return r;
    }
}
