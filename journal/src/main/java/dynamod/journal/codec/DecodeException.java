package dynamod.journal.codec;

/** The bytes are not a valid encoding: damaged, or written by a version this reader does not know. */
public final class DecodeException extends Exception {

    public DecodeException(String message) {
        super(message, null, false, false);
    }
}
