package dynamod.journal;

/** How much time one cycle file of a stream covers; retention deletes whole cycles. */
public enum CyclePeriod {
    DAILY, HOURLY,
    /** For tests of rolling and retention. */
    SECONDLY;
}
