using System.Diagnostics;
using System.Diagnostics.Metrics;
using PptpGw.ControlPlane.Aaa.Accounting;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Pools;
using PptpGw.ControlPlane.Ppp;
using PptpGw.Dataplane.Workers;

namespace PptpGw.Gateway.Metrics;

/// <summary>
/// The gateway's System.Diagnostics.Metrics instruments (docs/METRICS in docs/DEPLOY.md): what an operator graphs and
/// alerts on. Names are OpenTelemetry-style (<c>pptpgw.setups</c>, unit <c>s</c>); the Prometheus exporter turns them into
/// <c>pptpgw_setups_total</c>, <c>pptpgw_setup_duration_seconds</c> and so on.
/// </summary>
/// <remarks>
/// Reading costs the fast path nothing: every dataplane figure is an observable instrument whose callback runs only
/// when a scrape collects, and reads the per-worker counters the workers keep anyway (<see cref="Worker.Traffic"/>,
/// <see cref="Worker.GetDrops"/>), summing them there. Sessions, tunnels and pool occupancy are observed the same
/// way. Only control-plane events (a call set up, an authentication answered) are pushed, a few per call.
/// </remarks>
public sealed class GatewayMetrics : IDisposable
{
    /// <summary>The meter's name when none is given (the exporter subscribes to it by name).</summary>
    public const string DefaultMeterName = "pptpgw";

    private static readonly string[] DropReasonNames = BuildDropReasonNames();
    private static readonly double[] SetupBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30];
    private static readonly double[] AaaBuckets = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3, 10];

    private readonly Meter _meter;
    private readonly Counter<long> _setups;
    private readonly Histogram<double> _setupDuration;
    private readonly Counter<long> _aaaRequests;
    private readonly Histogram<double> _aaaDuration;
    private readonly Counter<long> _reloads;

    /// <summary>Instruments on a new meter named <paramref name="meterName"/>, observing <paramref name="sources"/>.</summary>
    public GatewayMetrics(GatewayMetricSources sources, string meterName = DefaultMeterName)
    {
        ArgumentNullException.ThrowIfNull(sources);
        _meter = new Meter(meterName, GatewayMetricSources.Version);
        _setups = _meter.CreateCounter<long>("pptpgw.setups", "{call}", "Call setups by result (established, auth_failed, refused, failed) and authentication protocol");
        _setupDuration = _meter.CreateHistogram("pptpgw.setup.duration", "s",
            "From Outgoing-Call-Request to the PPP link up (IPCP opened, dataplane installed)", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = SetupBuckets });
        _aaaRequests = _meter.CreateCounter<long>("pptpgw.aaa.requests", "{request}", "Authentication requests by server and result (accept, reject, error)");
        _aaaDuration = _meter.CreateHistogram("pptpgw.aaa.request.duration", "s",
            "Round trip of an authentication request to its backend (retransmissions included)", tags: null,
            new InstrumentAdvice<double> { HistogramBucketBoundaries = AaaBuckets });
        _reloads = _meter.CreateCounter<long>("pptpgw.reloads", "{reload}", "Configuration reloads by result (applied, rejected)");

        _meter.CreateObservableGauge("pptpgw.sessions", () => ObserveSessions(sources), "{session}",
            "PPP sessions by state (negotiating, authenticating, established, closing)");
        _meter.CreateObservableGauge("pptpgw.gateway.state", () => ObserveState(sources), "{state}",
            "1 for the gateway's current state (starting, running, draining after 'shutdown soft', stopping, stopped), 0 for the others");
        _meter.CreateObservableGauge("pptpgw.tunnels", () => (long)sources.Tunnels(), "{tunnel}", "PPTP control connections");
        _meter.CreateObservableGauge("pptpgw.pool.addresses", () => ObservePools(sources), "{address}",
            "Addresses of each pool by state (used, free)");
        _meter.CreateObservableCounter("pptpgw.dataplane.packets", () => ObservePackets(sources), "{packet}",
            "Dataplane packets by worker and direction (outside_in, inside_out, inside_in, outside_out, control_up, control_down)");
        _meter.CreateObservableCounter("pptpgw.dataplane.drops", () => ObserveDrops(sources, perWorker: false), "{packet}",
            "Dataplane drops by reason, all workers (every reason, zero included)");
        _meter.CreateObservableCounter("pptpgw.dataplane.worker.drops", () => ObserveDrops(sources, perWorker: true), "{packet}",
            "Dataplane drops by worker and reason");
        _meter.CreateObservableCounter("pptpgw.mppe.rekeys", () => ObserveRekeys(sources), "{rekey}",
            "MPPE key changes (RFC 3078 §7.3), both directions, by worker");
        // Accounting (docs/ACCOUNTING.md): what is owed to the server and for how long is what an operator alerts on
        // (a record waiting for minutes means billing is behind); one snapshot per scrape, under the queue's lock.
        _meter.CreateObservableGauge("pptpgw.accounting.queue.depth", () => ObserveAccounting(sources, q => q.QueueDepth), "{record}",
            "Accounting records not yet acknowledged (waiting, ready or in flight), by group");
        _meter.CreateObservableGauge("pptpgw.accounting.queue.oldest", () => ObserveAccountingAge(sources), "s",
            "Age of the oldest unacknowledged accounting record, from its event (0 when none), by group");
        _meter.CreateObservableGauge("pptpgw.accounting.spool.records", () => ObserveAccounting(sources, q => q.Spooled), "{record}",
            "Accounting records in the spool file, by group");
        _meter.CreateObservableGauge("pptpgw.accounting.spool.size", () => ObserveAccounting(sources, q => q.SpoolBytes), "By",
            "Octets of the live records in the spool file, by group");
        _meter.CreateObservableCounter("pptpgw.accounting.records", () => ObserveAccountingOutcomes(sources), "{record}",
            "Accounting records by outcome (delivered, replayed, dropped_interim, dropped_start, dropped_stop, superseded, expired), by group");
        _meter.CreateObservableCounter("pptpgw.accounting.retransmissions", () => ObserveAccountingServers(sources, s => s.Retried), "{request}",
            "Accounting retransmissions, by group and server");
        _meter.CreateObservableCounter("pptpgw.accounting.late_answers", () => ObserveAccountingServers(sources, s => s.LateAnswers), "{response}",
            "Accounting-Responses to an earlier transmission than the record's latest (the server is slower than its timeout), by group and server");
        _meter.CreateObservableCounter("pptpgw.accounting.ignored_replies", () => ObserveIgnoredReplies(sources), "{response}",
            "Accounting replies discarded (bad_authenticator, unknown_identifier, wrong_source, unexpected_code, malformed), by group");
        _meter.CreateObservableCounter("pptpgw.mppe.resets", () => ObserveResets(sources), "{reset}",
            "Stateful MPPE losses that asked the peer for a CCP Reset-Request (RFC 3078 §8), by worker");
    }

    /// <summary>The meter (tests listen to it with a MeterListener).</summary>
    public Meter Meter => _meter;

    /// <summary>A call's setup ended: <paramref name="result"/> is established, auth_failed, refused or failed.</summary>
    public void SetupFinished(SetupResult result, PppAuthProtocol? authentication, TimeSpan? duration)
    {
        var tags = new TagList { { "result", ResultName(result) }, { "auth", AuthName(authentication) } };
        _setups.Add(1, tags);
        if (duration is { } d && result == SetupResult.Established)
            _setupDuration.Record(d.TotalSeconds, new KeyValuePair<string, object?>("auth", AuthName(authentication)));
    }

    /// <summary>An authentication backend answered (or failed) after <paramref name="duration"/>.</summary>
    public void AaaRequestFinished(string server, string result, TimeSpan duration)
    {
        _aaaRequests.Add(1, new KeyValuePair<string, object?>("server", server), new KeyValuePair<string, object?>("result", result));
        _aaaDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("server", server));
    }

    /// <summary>A configuration reload was applied or rejected.</summary>
    public void Reloaded(bool applied) => _reloads.Add(1, new KeyValuePair<string, object?>("result", applied ? "applied" : "rejected"));

    /// <inheritdoc/>
    public void Dispose() => _meter.Dispose();

    internal static string ResultName(SetupResult result) => result switch
    {
        SetupResult.Established => "established",
        SetupResult.AuthenticationFailed => "auth_failed",
        SetupResult.Refused => "refused",
        _ => "failed",
    };

    internal static string AuthName(PppAuthProtocol? protocol) => protocol switch
    {
        PppAuthProtocol.Pap => "pap",
        PppAuthProtocol.Chap => "chap",
        PppAuthProtocol.MsChapV1 => "mschap",
        PppAuthProtocol.MsChapV2 => "mschapv2",
        _ => "none",
    };

    /// <summary>snake_case names of every drop reason ("GreBeyondWindow" → "gre_beyond_window"), index = enum value.</summary>
    private static string[] BuildDropReasonNames()
    {
        var names = new string[DataplaneCounters.ReasonCount];
        for (int i = 1; i < names.Length; i++)
        {
            string name = ((DataplaneDropReason)i).ToString();
            var text = new System.Text.StringBuilder(name.Length + 8);
            for (int k = 0; k < name.Length; k++)
            {
                char c = name[k];
                if (char.IsUpper(c) && k > 0 && (char.IsLower(name[k - 1]) || (k + 1 < name.Length && char.IsLower(name[k + 1]))))
                    text.Append('_');
                text.Append(char.ToLowerInvariant(c));
            }
            names[i] = text.ToString();
        }
        return names;
    }

    /// <summary>The label value of a drop reason.</summary>
    public static string DropReasonName(DataplaneDropReason reason) => DropReasonNames[(int)reason];

    private static IEnumerable<Measurement<long>> ObserveState(GatewayMetricSources sources)
    {
        GatewayRunState current = sources.State();
        foreach (GatewayRunState state in Enum.GetValues<GatewayRunState>())
            yield return new Measurement<long>(state == current ? 1 : 0, new KeyValuePair<string, object?>("state", state.ToString().ToLowerInvariant()));
    }

    private static IEnumerable<Measurement<long>> ObserveAccounting(GatewayMetricSources sources, Func<AccountingQueueSnapshot, long> value)
    {
        if (sources.Accounting() is { } q)
            yield return new(value(q), new KeyValuePair<string, object?>("group", q.Group));
    }

    private static IEnumerable<Measurement<double>> ObserveAccountingAge(GatewayMetricSources sources)
    {
        if (sources.Accounting() is { } q)
            yield return new(q.OldestAge?.TotalSeconds ?? 0, new KeyValuePair<string, object?>("group", q.Group));
    }

    private static IEnumerable<Measurement<long>> ObserveAccountingOutcomes(GatewayMetricSources sources)
    {
        if (sources.Accounting() is not { } q)
            yield break;
        var group = new KeyValuePair<string, object?>("group", q.Group);
        yield return new(q.Delivered, group, new KeyValuePair<string, object?>("outcome", "delivered"));
        yield return new(q.Replayed, group, new KeyValuePair<string, object?>("outcome", "replayed"));
        yield return new(q.DroppedInterim, group, new KeyValuePair<string, object?>("outcome", "dropped_interim"));
        yield return new(q.DroppedStart, group, new KeyValuePair<string, object?>("outcome", "dropped_start"));
        yield return new(q.DroppedStop, group, new KeyValuePair<string, object?>("outcome", "dropped_stop"));
        yield return new(q.Superseded, group, new KeyValuePair<string, object?>("outcome", "superseded"));
        yield return new(q.Expired, group, new KeyValuePair<string, object?>("outcome", "expired"));
    }

    private static IEnumerable<Measurement<long>> ObserveAccountingServers(GatewayMetricSources sources, Func<AccountingServerSnapshot, long> value)
    {
        if (sources.Accounting() is not { } q)
            yield break;
        foreach (AccountingServerSnapshot s in q.Servers)
            yield return new(value(s), new KeyValuePair<string, object?>("group", q.Group), new KeyValuePair<string, object?>("server", s.Name));
    }

    private static IEnumerable<Measurement<long>> ObserveIgnoredReplies(GatewayMetricSources sources)
    {
        if (sources.Accounting() is not { } q)
            yield break;
        var group = new KeyValuePair<string, object?>("group", q.Group);
        AccountingIgnoredReplies r = q.IgnoredReplies;
        yield return new(r.BadAuthenticator, group, new KeyValuePair<string, object?>("reason", "bad_authenticator"));
        yield return new(r.UnknownIdentifier, group, new KeyValuePair<string, object?>("reason", "unknown_identifier"));
        yield return new(r.WrongSource, group, new KeyValuePair<string, object?>("reason", "wrong_source"));
        yield return new(r.UnexpectedCode, group, new KeyValuePair<string, object?>("reason", "unexpected_code"));
        yield return new(r.Malformed, group, new KeyValuePair<string, object?>("reason", "malformed"));
    }

    private static IEnumerable<Measurement<long>> ObserveSessions(GatewayMetricSources sources)
    {
        SessionStateCounts counts = sources.Sessions();
        yield return new(counts.Negotiating, new KeyValuePair<string, object?>("state", "negotiating"));
        yield return new(counts.Authenticating, new KeyValuePair<string, object?>("state", "authenticating"));
        yield return new(counts.Established, new KeyValuePair<string, object?>("state", "established"));
        yield return new(counts.Closing, new KeyValuePair<string, object?>("state", "closing"));
    }

    private static IEnumerable<Measurement<long>> ObservePools(GatewayMetricSources sources)
    {
        foreach (IpLocalPool pool in sources.Pools())
        {
            var name = new KeyValuePair<string, object?>("pool", pool.Name);
            int used = pool.UsedCount;
            yield return new(used, name, new KeyValuePair<string, object?>("state", "used"));
            yield return new(pool.Capacity - used, name, new KeyValuePair<string, object?>("state", "free"));
        }
    }

    private static IEnumerable<Measurement<long>> ObservePackets(GatewayMetricSources sources)
    {
        foreach (Worker worker in sources.Workers())
        {
            WorkerTraffic t = worker.Traffic;
            var w = new KeyValuePair<string, object?>("worker", worker.Index.ToString(System.Globalization.CultureInfo.InvariantCulture));
            yield return new((long)t.OutsideReceived, w, Direction("outside_in"));
            yield return new((long)t.InsideDelivered, w, Direction("inside_out"));
            yield return new((long)t.InsideReceived, w, Direction("inside_in"));
            yield return new((long)t.OutsideSent, w, Direction("outside_out"));
            yield return new((long)t.ControlFramesUp, w, Direction("control_up"));
            yield return new((long)t.ControlFramesDown, w, Direction("control_down"));
        }

        static KeyValuePair<string, object?> Direction(string name) => new("direction", name);
    }

    private static IEnumerable<Measurement<long>> ObserveDrops(GatewayMetricSources sources, bool perWorker)
    {
        IReadOnlyList<Worker> workers = sources.Workers();
        if (perWorker)
        {
            foreach (Worker worker in workers)
            {
                var w = new KeyValuePair<string, object?>("worker", worker.Index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                for (int r = 1; r < DataplaneCounters.ReasonCount; r++)
                    yield return new((long)worker.GetDrops((DataplaneDropReason)r), w, new KeyValuePair<string, object?>("reason", DropReasonNames[r]));
            }
            yield break;
        }
        for (int r = 1; r < DataplaneCounters.ReasonCount; r++)
        {
            ulong sum = 0;
            foreach (Worker worker in workers)
                sum += worker.GetDrops((DataplaneDropReason)r);
            yield return new((long)sum, new KeyValuePair<string, object?>("reason", DropReasonNames[r]));
        }
    }

    private readonly Lock _rekeyGate = new();
    private ulong[] _rekeysSeen = [];

    /// <summary>Per worker, the largest key-change total read so far (<see cref="Worker.MppeKeyChanges"/> may lag by a closing session for one read).</summary>
    private List<Measurement<long>> ObserveRekeys(GatewayMetricSources sources)
    {
        IReadOnlyList<Worker> workers = sources.Workers();
        var measurements = new List<Measurement<long>>(workers.Count);
        lock (_rekeyGate)
        {
            foreach (Worker worker in workers)
            {
                if (worker.Index >= _rekeysSeen.Length)
                    Array.Resize(ref _rekeysSeen, worker.Index + 1);
                ulong seen = Math.Max(_rekeysSeen[worker.Index], worker.MppeKeyChanges);
                _rekeysSeen[worker.Index] = seen;
                measurements.Add(new((long)seen,
                    new KeyValuePair<string, object?>("worker", worker.Index.ToString(System.Globalization.CultureInfo.InvariantCulture))));
            }
        }
        return measurements;
    }

    private static IEnumerable<Measurement<long>> ObserveResets(GatewayMetricSources sources)
    {
        foreach (Worker worker in sources.Workers())
            yield return new((long)worker.Traffic.ResetRequestsSignalled,
                new KeyValuePair<string, object?>("worker", worker.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }
}

/// <summary>How a call's setup ended (the <c>result</c> label of <c>pptpgw_setups_total</c>).</summary>
public enum SetupResult
{
    /// <summary>The PPP link came up (IPCP opened, the dataplane session installed).</summary>
    Established = 1,
    /// <summary>Authentication failed for good.</summary>
    AuthenticationFailed,
    /// <summary>The Outgoing-Call-Request was refused (limits, no pool address, shutting down).</summary>
    Refused,
    /// <summary>The call ended before its link came up for another reason (negotiation, the peer hung up).</summary>
    Failed,
}

/// <summary>Counts of PPP sessions by state (<c>pptpgw_sessions{state}</c>).</summary>
public readonly record struct SessionStateCounts(long Negotiating, long Authenticating, long Established, long Closing);

/// <summary>Where the observable instruments read from; the host fills these in (tests give fakes).</summary>
public sealed record GatewayMetricSources
{
    internal static string Version =>
        typeof(GatewayMetricSources).Assembly.GetName().Version?.ToString() ?? "0";

    /// <summary>Sessions by state.</summary>
    public Func<SessionStateCounts> Sessions { get; init; } = () => default;

    /// <summary>The gateway's state (<c>pptpgw_gateway_state</c>).</summary>
    public Func<GatewayRunState> State { get; init; } = () => GatewayRunState.Running;

    /// <summary>Live PPTP control connections.</summary>
    public Func<int> Tunnels { get; init; } = () => 0;

    /// <summary>The address pools (the current ones: a reload may replace them).</summary>
    public Func<IEnumerable<IpLocalPool>> Pools { get; init; } = () => [];

    /// <summary>The dataplane's workers (none for a dataplane that is not a <see cref="DataplaneHost"/>).</summary>
    public Func<IReadOnlyList<Worker>> Workers { get; init; } = () => [];

    /// <summary>The accounting record queue; null without accounting.</summary>
    public Func<AccountingQueueSnapshot?> Accounting { get; init; } = () => null;
}
