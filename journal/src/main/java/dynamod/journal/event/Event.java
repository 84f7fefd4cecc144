package dynamod.journal.event;

/**
 * A fact recorded in the journal: something that happened, named in the past tense. Grouped by concern; every
 * concrete event is a record whose fields the codec writes in declaration order. To add one, declare the record
 * in its group and give it a type id in {@link EventTypes}.
 */
public sealed interface Event
        permits SystemEvent, ServiceEvent, SupervisorEvent, NotifyEvent, CommandEvent, LogEvent, JournalEvent {}
