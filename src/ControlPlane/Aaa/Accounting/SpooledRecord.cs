namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>A record the spool still holds (not marked done), as <see cref="AccountingSpool.Open"/> found it.</summary>
public sealed record SpooledRecord(long Sequence, AccountingRecordKind Kind, string SessionKey, DateTimeOffset EventTime, byte[] Payload);
