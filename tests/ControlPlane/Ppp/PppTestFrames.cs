using PptpGw.ControlPlane.Ppp;
using PptpGw.Dataplane.Packets;

namespace PptpGw.Tests.ControlPlane.Ppp;

internal delegate void WriteOptions(ref ConfigurationOptionWriter writer);

/// <summary>Helpers to go between the PIX guide's "data: ff03..." frames and the control packet codecs.</summary>
internal static class PppTestFrames
{
    /// <summary>Parses a framed PPP control packet, asserting the framing and the expected protocol.</summary>
    public static PppControlPacket Parse(byte[] frame, ushort protocol)
    {
        Assert.Equal(PppFrameError.None, PppFrame.TryParse(frame, out var ppp));
        Assert.Equal(protocol, ppp.Protocol);
        Assert.Equal(PppPacketError.None, PppControlPacket.TryParse(ppp.Information, out var packet));
        return packet;
    }

    /// <summary>Builds a framed (FF 03, 2-octet protocol) Configure-* packet from option writers.</summary>
    public static byte[] BuildConfigure(ushort protocol, byte code, byte identifier, WriteOptions write)
    {
        byte[] buffer = new byte[400];
        const int packetOffset = PppFrame.MaxHeaderLength;
        var writer = new ConfigurationOptionWriter(buffer.AsSpan(packetOffset + PppControlPacket.HeaderLength));
        write(ref writer);
        int length = ConfigurationPacketWriter.TryWriteHeader(buffer.AsSpan(packetOffset), code, identifier, writer.BytesWritten);
        Assert.Equal(PppControlPacket.HeaderLength + writer.BytesWritten, length);
        int start = PppFrameWriter.TryPrependHeader(buffer, packetOffset, protocol, false, false);
        return buffer[start..(packetOffset + length)];
    }

    /// <summary>Frames a whole control packet with FF 03 and a 2-octet protocol.</summary>
    public static byte[] Frame(ushort protocol, ReadOnlySpan<byte> packet)
    {
        byte[] frame = new byte[4 + packet.Length];
        Assert.Equal(4, PppFrameWriter.TryWriteHeader(frame, protocol, false, false));
        packet.CopyTo(frame.AsSpan(4));
        return frame;
    }
}
