using PptpGw.ControlPlane.Config;
using PptpGw.ControlPlane.Logging;

namespace PptpGw.Gateway.Hosting;

/// <summary>
/// The log sinks the configuration asks for (the console as text or JSON, the local syslog of <c>logging syslog on</c>,
/// one UDP sender per <c>logging host</c> while <c>logging on</c>), added to a <see cref="GatewayLog"/> as one set so a
/// reload can put a new set in and take the old one out (<see cref="Replace"/>). Sinks given by the host's options
/// (tests) are not part of it and stay.
/// </summary>
internal sealed class ConfiguredLogSinks : IDisposable
{
    private readonly GatewayLog _log;
    private readonly List<ILogSink> _sinks;

    private ConfiguredLogSinks(GatewayLog log, List<ILogSink> sinks)
    {
        _log = log;
        _sinks = sinks;
    }

    /// <summary>Builds the set for <paramref name="config"/> and adds it to <paramref name="log"/>, with its message levels.</summary>
    public static ConfiguredLogSinks Add(GatewayLog log, GatewayConfig config, GatewayHostOptions options, TimeProvider time)
    {
        LoggingConfig logging = config.Gateway.Logging;
        log.SetMessageLevels(logging.MessageLevels);
        var sinks = new List<ILogSink>();
        if (options.Console is { } console)
            sinks.Add(logging.Json ? new JsonLogSink(console) : new ConsoleLogSink(console));
        if (options.Syslog || config.Gateway.Syslog)
            sinks.Add(new SyslogSink(new SyslogSinkOptions { Facility = logging.Facility }, time));
        // "logging on" + "logging host": remote syslog over UDP at the "logging trap" level, as the PIX sends it.
        if (logging.Enabled)
        {
            foreach (LoggingHostConfig target in logging.Hosts)
            {
                sinks.Add(new RemoteSyslogSink(new RemoteSyslogSinkOptions
                {
                    EndPoint = target.EndPoint,
                    Format = target.Format,
                    Facility = logging.Facility,
                    Level = logging.TrapLevel,
                }));
            }
        }
        foreach (ILogSink sink in sinks)
            log.AddSink(sink);
        return new ConfiguredLogSinks(log, sinks);
    }

    /// <summary>
    /// A reload: the new set goes in before the old one comes out, so no line is lost in between (one may reach both);
    /// the old sinks are closed. Returns the new set.
    /// </summary>
    public ConfiguredLogSinks Replace(GatewayConfig config, GatewayHostOptions options, TimeProvider time)
    {
        ConfiguredLogSinks next = Add(_log, config, options, time);
        Dispose();
        return next;
    }

    /// <summary>Takes the sinks out of the log and closes them.</summary>
    public void Dispose()
    {
        foreach (ILogSink sink in _sinks)
        {
            _log.RemoveSink(sink);
            (sink as IDisposable)?.Dispose();
        }
        _sinks.Clear();
    }
}
