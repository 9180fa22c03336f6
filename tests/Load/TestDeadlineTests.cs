using PptpGw.Tests.Integration;

namespace PptpGw.Tests.Load;

/// <summary>The bounds that turn a stalled test into a failed one (<see cref="TestDeadline"/>, <see cref="Lab.RunRaw"/>).</summary>
public sealed class TestDeadlineTests
{
    [Fact]
    public async Task A_body_that_never_ends_fails_naming_its_last_step_and_is_cleaned_up()
    {
        bool cleaned = false;
        var never = new TaskCompletionSource();
        Xunit.Sdk.XunitException e = await Assert.ThrowsAsync<Xunit.Sdk.XunitException>(() => TestDeadline.RunAsync(TimeSpan.FromMilliseconds(300), async d =>
        {
            d.Step("waiting for what never comes");
            d.Output(() => "the lab's output");
            d.CleanUp(() =>
            {
                cleaned = true;
                return ValueTask.CompletedTask;
            });
            await never.Task;
        }));
        Assert.Contains("did not end within 0.3 s", e.Message, StringComparison.Ordinal);
        Assert.Contains("waiting for what never comes", e.Message, StringComparison.Ordinal);
        Assert.Contains("the lab's output", e.Message, StringComparison.Ordinal);
        Assert.Contains("child processes of the test host now:", e.Message, StringComparison.Ordinal);
        Assert.True(cleaned);
    }

    [Fact]
    public async Task A_body_that_ends_in_time_passes_and_its_own_failure_is_its_own()
    {
        await TestDeadline.RunAsync(TimeSpan.FromSeconds(30), _ => Task.CompletedTask);
        await Assert.ThrowsAsync<InvalidOperationException>(() => TestDeadline.RunAsync(TimeSpan.FromSeconds(30), _ => throw new InvalidOperationException("own")));
    }

    /// <summary>
    /// A command that exits while a descendant it started still holds its output pipes (here a background sleep): the
    /// read that waited for their end blocked the test thread until the descendant ended; now it gives up after 10 s.
    /// The descendant is ours and ends by itself after 20 s.
    /// </summary>
    [Fact]
    public void A_command_whose_descendant_holds_its_pipes_times_out_instead_of_blocking()
    {
        TimeoutException e = Assert.Throws<TimeoutException>(() => Lab.RunRaw("/bin/sh", "-c", "sleep 20 & echo started"));
        Assert.Contains("a descendant holds its pipes", e.Message, StringComparison.Ordinal);
    }
}
