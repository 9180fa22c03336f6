using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.Tests.ControlPlane.Aaa.Accounting;

/// <summary>The crash-safe spool file: replay of what is not done, and a torn or corrupt tail skipped (SIGKILL, power loss).</summary>
public sealed class AccountingSpoolTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pgw-spool-test-").FullName;
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string PathOf() => Path.Combine(_dir, AccountingSpool.FileName("G"));

    private List<SpooledRecord> Reopen(CaptureLogSink? capture = null)
    {
        GatewayLog? log = null;
        if (capture is not null)
        {
            log = new GatewayLog(TimeProvider.System);
            log.AddSink(capture);
        }
        using AccountingSpool spool = AccountingSpool.Open(_dir, "G", TimeSpan.Zero, log, out List<SpooledRecord> pending);
        return pending;
    }

    private void WriteThree(bool markFirstDone)
    {
        using AccountingSpool spool = AccountingSpool.Open(_dir, "G", TimeSpan.Zero, null, out List<SpooledRecord> none);
        Assert.Empty(none);
        for (int i = 0; i < 3; i++)
            spool.Append(i, AccountingRecordKind.Stop, "session-" + i, T0.AddSeconds(i), new byte[40 + i]);
        if (markFirstDone)
            spool.MarkDone(0);
    }

    [Fact]
    public void Records_not_marked_done_are_replayed_in_order_with_their_data()
    {
        WriteThree(markFirstDone: true);
        List<SpooledRecord> pending = Reopen();
        Assert.Equal([1L, 2L], pending.Select(r => r.Sequence));
        Assert.Equal("session-2", pending[1].SessionKey);
        Assert.Equal(T0.AddSeconds(2), pending[1].EventTime);
        Assert.Equal(42, pending[1].Payload.Length);
        Assert.Equal(AccountingRecordKind.Stop, pending[1].Kind);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(30)]
    public void A_torn_tail_is_skipped_and_the_records_before_it_survive(int cut)
    {
        WriteThree(markFirstDone: false);
        using (var f = new FileStream(PathOf(), FileMode.Open))
            f.SetLength(f.Length - cut); // the last entry's write was cut short by the crash
        var capture = new CaptureLogSink();
        List<SpooledRecord> pending = Reopen(capture);
        Assert.Equal([0L, 1L], pending.Select(r => r.Sequence));
        // The file is usable again: a new record after the torn tail is read back.
        using (AccountingSpool spool = AccountingSpool.Open(_dir, "G", TimeSpan.Zero, null, out _))
            spool.Append(9, AccountingRecordKind.Start, "session-9", T0, new byte[10]);
        Assert.Equal([0L, 1L, 9L], Reopen().Select(r => r.Sequence));
    }

    [Fact]
    public void An_entry_failing_its_checksum_ends_the_replay_there()
    {
        WriteThree(markFirstDone: false);
        byte[] bytes = File.ReadAllBytes(PathOf());
        bytes[^5] ^= 0x40; // a flipped bit in the last record's payload
        File.WriteAllBytes(PathOf(), bytes);
        Assert.Equal([0L, 1L], Reopen().Select(r => r.Sequence));
    }
}
