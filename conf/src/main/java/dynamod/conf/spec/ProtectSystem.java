package dynamod.conf.spec;

/** Which parts of the file system a service sees read-only; the levels of systemd's ProtectSystem=. */
public enum ProtectSystem implements ConfigEnum {
    NO("no"),
    /** /usr, /boot and /efi read-only. */
    YES("yes"),
    /** As yes, and /etc. */
    FULL("full"),
    /** The whole hierarchy read-only except /dev, /proc, /sys and writable bind mounts. */
    STRICT("strict");

    private final String tomlName;

    ProtectSystem(String tomlName) {
        this.tomlName = tomlName;
    }

    @Override
    public String tomlName() {
        return tomlName;
    }
}
