using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.ControlPlane.Config;

/// <summary>
/// <c>accounting max-inflight N</c> (issue 11): records in flight per accounting server. The default is 64, because 256
/// let a real FreeRADIUS's accounting socket drop datagrams under a 20,000-session set-up burst (bench/RESULTS.md).
/// </summary>
public class AccountingWindowConfigTests
{
    private const string Base = MinimalPptpConfig.Text;

    [Fact]
    public void Without_the_line_64_records_are_in_flight_per_server_in_the_config_and_the_queue_alike()
    {
        var result = PixConfigParser.Parse(Base, "a.cfg");
        Assert.Empty(result.Errors.Select(d => d.ToString()));
        Assert.Equal(64, result.Config!.Accounting.MaxInFlightPerServer);
        Assert.Equal(64, new AccountingQueueOptions().MaxInFlightPerServer);
    }

    [Fact]
    public void The_line_sets_the_window()
    {
        var result = PixConfigParser.Parse(Base + "accounting max-inflight 256\n", "a.cfg");
        Assert.Empty(result.Errors.Select(d => d.ToString()));
        Assert.Equal(256, result.Config!.Accounting.MaxInFlightPerServer);
    }

    [Theory]
    [InlineData("accounting max-inflight 0")]
    [InlineData("accounting max-inflight many")]
    public void A_bad_window_is_reported_with_its_line_number(string line)
    {
        var result = PixConfigParser.Parse(Base + line + "\n", "a.cfg");
        Assert.Null(result.Config);
        Assert.Contains(result.Errors.Select(d => d.ToString()), e => e.Contains(":8:", StringComparison.Ordinal));
    }
}
