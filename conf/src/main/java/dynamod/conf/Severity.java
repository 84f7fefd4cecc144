package dynamod.conf;

/** How bad a diagnostic is: an error keeps the affected spec out of the loaded configuration. */
public enum Severity {
    ERROR("error"),
    WARNING("warning");

    private final String label;

    Severity(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
