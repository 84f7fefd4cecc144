package dynamod.svmgr.control;

import java.io.IOException;

/** A frame on the control socket that breaks the wire format; the stream is out of step afterwards, so close it. */
public final class FrameException extends IOException {

    public FrameException(String message) {
        super(message);
    }
}
