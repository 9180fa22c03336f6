using System.Collections.Concurrent;
using PptpGw.ControlPlane.Admin;
using PptpGw.ControlPlane.Ppp.Auth;

namespace PptpGw.Gateway.Metrics;

/// <summary>
/// Per authentication backend: requests by outcome and the round trips of the recent ones (<c>show aaa-server</c>,
/// accel-ppp's <c>show stat</c> per server). Fed by <see cref="MeasuredAuthenticator"/>, a few updates per call.
/// </summary>
public sealed class AaaServerStatistics
{
    /// <summary>Round trips kept per server for the percentiles.</summary>
    public const int RecentSamples = 1024;

    private readonly ConcurrentDictionary<string, Server> _servers = new(StringComparer.Ordinal);

    /// <summary>Records one request to <paramref name="server"/>.</summary>
    public void Record(string server, PppAuthResult? result, TimeSpan duration)
    {
        ArgumentNullException.ThrowIfNull(server);
        _servers.GetOrAdd(server, _ => new Server()).Record(result, duration);
    }

    /// <summary>Every server seen, by name.</summary>
    public IReadOnlyList<AaaServerView> Snapshot() =>
        [.. _servers.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => s.Value.View(s.Key))];

    private sealed class Server
    {
        private readonly Lock _gate = new();
        private readonly double[] _recent = new double[RecentSamples];
        private int _count;
        private int _next;
        private long _requests, _accepts, _rejects, _timeouts, _errors;
        private bool _lastAnswered = true;

        public void Record(PppAuthResult? result, TimeSpan duration)
        {
            lock (_gate)
            {
                _requests++;
                bool answered = true;
                switch (result)
                {
                    case { Accepted: true }:
                        _accepts++;
                        break;
                    case { Failure: PppAuthFailure.ServerUnreachable or PppAuthFailure.NoResponse }:
                        _timeouts++;
                        answered = false;
                        break;
                    case { Failure: PppAuthFailure.BackendFault or PppAuthFailure.ServerRefused or PppAuthFailure.ServerNotAuthenticated } or null:
                        _errors++;
                        answered = false;
                        break;
                    default:
                        _rejects++;
                        break;
                }
                _lastAnswered = answered;
                if (answered)
                {
                    _recent[_next] = duration.TotalMilliseconds;
                    _next = (_next + 1) % RecentSamples;
                    _count = Math.Min(_count + 1, RecentSamples);
                }
            }
        }

        public AaaServerView View(string name)
        {
            lock (_gate)
            {
                double[] sorted = _recent[.._count];
                Array.Sort(sorted);
                return new AaaServerView(name, _lastAnswered ? "up" : "dead", _requests, _accepts, _rejects, _timeouts, _errors,
                    Percentile(sorted, 0.50), Percentile(sorted, 0.90), Percentile(sorted, 0.99));
            }
        }

        /// <summary>Nearest-rank percentile; null without samples.</summary>
        private static double? Percentile(double[] sorted, double p) =>
            sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}
