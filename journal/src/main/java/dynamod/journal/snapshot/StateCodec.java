package dynamod.journal.snapshot;

import dynamod.journal.codec.DecodeException;

/** How a reducer's state is written into a snapshot; a changed shape needs a new {@link #version()}. */
public interface StateCodec<S> {

    int version();

    byte[] encode(S state);

    S decode(byte[] bytes) throws DecodeException;
}
