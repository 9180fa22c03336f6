using PptpGw.ControlPlane.Config;

namespace PptpGw.Tests.ControlPlane.Config;

/// <summary><c>gateway dataplane workers N</c> (issue 12): the kernel backend's worker count.</summary>
public class DataplaneWorkersConfigTests
{
    private const string Base = MinimalPptpConfig.Text;

    [Fact]
    public void Without_the_line_the_kernel_backend_has_one_worker_per_core()
    {
        var result = PixConfigParser.Parse(Base + "gateway dataplane kernel\n", "w.cfg");
        Assert.Empty(result.Errors.Select(d => d.ToString()));
        Assert.Equal(Math.Clamp(Environment.ProcessorCount, 1, GatewayOptions.MaxDataplaneWorkers), result.Config!.Gateway.DataplaneWorkers);
        Assert.Equal(GatewayOptions.DefaultDataplaneWorkers, result.Config.Gateway.DataplaneWorkers);
        Assert.Equal(DataplaneBackend.Kernel, result.Config.Gateway.Dataplane);
    }

    [Fact]
    public void One_worker_is_a_valid_explicit_count()
    {
        var result = PixConfigParser.Parse(Base + "gateway dataplane workers 1\n", "w.cfg");
        Assert.Empty(result.Errors.Select(d => d.ToString()));
        Assert.Equal(1, result.Config!.Gateway.DataplaneWorkers);
    }

    [Fact]
    public void The_line_sets_the_worker_count_beside_the_backend_line()
    {
        var result = PixConfigParser.Parse(Base + "gateway dataplane kernel\ngateway dataplane workers 2\n", "w.cfg");
        Assert.Empty(result.Errors.Select(d => d.ToString()));
        Assert.Equal(2, result.Config!.Gateway.DataplaneWorkers);
        Assert.Equal(DataplaneBackend.Kernel, result.Config.Gateway.Dataplane);
    }

    [Fact]
    public void A_reload_that_changes_the_count_needs_a_restart_and_keeps_the_running_count()
    {
        GatewayConfig running = PixConfigParser.Parse(Base + "gateway dataplane workers 2\n", "w.cfg").Config!;
        GatewayConfig candidate = PixConfigParser.Parse(Base + "gateway dataplane workers 4\n", "w.cfg").Config!;
        ConfigReloadPlan plan = ConfigReloadPlanner.Plan(running, candidate);
        ConfigChange change = plan.Changes.Single(c => c.Kind == ConfigChangeKind.Dataplane);
        Assert.Equal(ReloadDisposition.NeedsRestart, change.Disposition);
        Assert.Contains("gateway dataplane workers 2 -> 4", change.ToString(), StringComparison.Ordinal);
        Assert.Equal(2, plan.Effective.Gateway.DataplaneWorkers);
    }

    [Theory]
    [InlineData("gateway dataplane workers 0")]
    [InlineData("gateway dataplane workers 65")]
    [InlineData("gateway dataplane workers two")]
    [InlineData("gateway dataplane workers")]
    [InlineData("gateway dataplane workers 2 3")]
    public void A_bad_count_is_reported_with_its_line_number(string line)
    {
        var result = PixConfigParser.Parse(Base + line + "\n", "w.cfg");
        Assert.Null(result.Config);
        Assert.Contains(result.Errors.Select(d => d.ToString()),
            e => e.Contains(":8:", StringComparison.Ordinal) && e.Contains("worker count from 1 to 64", StringComparison.Ordinal));
    }
}
