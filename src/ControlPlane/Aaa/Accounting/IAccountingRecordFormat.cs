namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>
/// A protocol's encoding of accounting records (RADIUS Accounting-Request, RFC 2866; TACACS+ accounting REQUEST body,
/// RFC 8907 §7.1): what the spool keeps and the transport sends.
/// </summary>
public interface IAccountingRecordFormat
{
    /// <summary>The payload of <paramref name="accountingEvent"/>.</summary>
    byte[] Encode(AccountingEvent accountingEvent);

    /// <summary>The record's data as a log line can carry it (user, session time, octets, cause), so a record that is
    /// dropped or given up can still be billed from the log.</summary>
    string Describe(ReadOnlySpan<byte> payload);
}
