namespace PptpGw.ControlPlane.Aaa.Accounting;

/// <summary>Receives a transport's acknowledgements.</summary>
public interface IAccountingAcknowledgementSink
{
    /// <summary><paramref name="server"/> acknowledged <paramref name="record"/> (an answer to any of its transmissions).</summary>
    /// <param name="record">The record answered.</param>
    /// <param name="server">The server that answered.</param>
    /// <param name="toEarlierTransmission">The answer was to a transmission before the record's latest: the server is
    /// slower than its timeout (counted as a late answer; the record is acknowledged all the same).</param>
    void Acknowledged(AccountingRecord record, int server, bool toEarlierTransmission);
}
