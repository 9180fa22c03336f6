using CsCheck;
using PptpGw.ControlPlane.Ppp;

namespace PptpGw.Tests.ControlPlane.Ppp;

public class ConfigurationOptionTests
{
    // PIX LCP Configure-Request: "ff03c021010100130305c2238005065a899b2307020802".
    [Fact]
    public void IteratesPixLcpConfigureRequestOptions()
    {
        byte[] frame = Convert.FromHexString("ff03c021010100130305c2238005065a899b2307020802");
        var packet = PppTestFrames.Parse(frame, 0xC021);
        var reader = new ConfigurationOptionReader(packet.Data);

        Assert.Equal(ConfigurationOptionError.None, reader.TryReadNext(out var option));
        Assert.Equal(3, option.Type);
        Assert.Equal(5, option.Length);
        Assert.Equal(Convert.FromHexString("c22380"), option.Data.ToArray());
        Assert.Equal(Convert.FromHexString("0305c22380"), option.Raw.ToArray());

        Assert.Equal(ConfigurationOptionError.None, reader.TryReadNext(out option));
        Assert.Equal(5, option.Type);
        Assert.Equal(6, option.Length);
        Assert.Equal(Convert.FromHexString("5a899b23"), option.Data.ToArray());

        Assert.Equal(ConfigurationOptionError.None, reader.TryReadNext(out option));
        Assert.Equal(7, option.Type);
        Assert.Equal(2, option.Length);
        Assert.True(option.Data.IsEmpty);

        Assert.False(reader.End);
        Assert.Equal(ConfigurationOptionError.None, reader.TryReadNext(out option));
        Assert.Equal(8, option.Type);
        Assert.Equal(2, option.Length);
        Assert.True(reader.End);
        Assert.Equal(15, reader.Offset);

        Assert.Equal(ConfigurationOptionError.None, ConfigurationOptionReader.Validate(packet.Data, out int count));
        Assert.Equal(4, count);
    }

    [Theory]
    [InlineData("03", ConfigurationOptionError.TruncatedHeader, 0)]
    [InlineData("030104", ConfigurationOptionError.LengthTooSmall, 0)]
    [InlineData("0300", ConfigurationOptionError.LengthTooSmall, 0)]
    [InlineData("0305c223", ConfigurationOptionError.LengthExceedsData, 0)]
    [InlineData("070205", ConfigurationOptionError.TruncatedHeader, 1)]
    [InlineData("0702080405", ConfigurationOptionError.LengthExceedsData, 1)]
    public void MalformedOptionListsGiveThePreciseErrorAndStop(string hex, ConfigurationOptionError expected, int goodBefore)
    {
        byte[] options = Convert.FromHexString(hex);
        Assert.Equal(expected, ConfigurationOptionReader.Validate(options, out int count));
        Assert.Equal(goodBefore, count);

        var reader = new ConfigurationOptionReader(options);
        ConfigurationOptionError error;
        int offsetBefore;
        do
        {
            offsetBefore = reader.Offset;
            error = reader.TryReadNext(out _);
        }
        while (error == ConfigurationOptionError.None);
        Assert.Equal(expected, error);
        Assert.True(reader.End);
        Assert.Equal(offsetBefore, reader.Offset);
        // A reader that failed keeps failing instead of resuming mid-option.
        Assert.NotEqual(ConfigurationOptionError.None, reader.TryReadNext(out _));
    }

    [Fact]
    public void EmptyOptionListIsValid()
    {
        Assert.True(new ConfigurationOptionReader([]).End);
        Assert.Equal(ConfigurationOptionError.None, ConfigurationOptionReader.Validate([], out int count));
        Assert.Equal(0, count);
    }

    [Fact]
    public void UnknownOptionsAreCopiedVerbatimIntoAReject()
    {
        byte[] options = Convert.FromHexString("0206000a00000506001137210702fe04abcd");
        byte[] reject = new byte[32];
        var writer = new ConfigurationOptionWriter(reject);
        var reader = new ConfigurationOptionReader(options);
        while (!reader.End)
        {
            Assert.Equal(ConfigurationOptionError.None, reader.TryReadNext(out var option));
            if (option.Type is 2 or 0xFE)
                Assert.True(writer.TryWriteRaw(option));
        }
        Assert.Equal(Convert.FromHexString("0206000a0000fe04abcd"), writer.Written.ToArray());
    }

    [Fact]
    public void WriterRefusesOptionsThatDoNotFitAndWritesNothing()
    {
        byte[] buffer = new byte[8];
        var writer = new ConfigurationOptionWriter(buffer);
        Assert.True(writer.TryWriteUInt32(5, 0x01020304));
        Assert.False(writer.TryWriteUInt16(1, 1500));
        Assert.True(writer.TryWriteEmpty(7));
        Assert.False(writer.TryWriteEmpty(8));
        Assert.Equal(Convert.FromHexString("0506010203040702"), buffer);
        Assert.Equal(8, writer.BytesWritten);
        Assert.Equal(buffer, writer.Written.ToArray());

        var big = new ConfigurationOptionWriter(new byte[1000]);
        Assert.False(big.TryWrite(1, new byte[254]));
        Assert.True(big.TryWrite(1, new byte[253]));
        Assert.Equal(255, big.BytesWritten);
    }

    [Fact]
    public void RoundTripsRandomOptionLists()
    {
        var option = Gen.Select(Gen.Byte, Gen.Byte.Array[0, 40]);
        option.Array[0, 12].Sample(options =>
        {
            byte[] buffer = new byte[12 * 42];
            var writer = new ConfigurationOptionWriter(buffer);
            foreach ((byte type, byte[] data) in options)
                Assert.True(writer.TryWrite(type, data));

            var reader = new ConfigurationOptionReader(writer.Written);
            foreach ((byte type, byte[] data) in options)
            {
                Assert.Equal(ConfigurationOptionError.None, reader.TryReadNext(out var read));
                Assert.Equal(type, read.Type);
                Assert.Equal(data.Length + 2, read.Length);
                Assert.Equal(data, read.Data.ToArray());
            }
            Assert.True(reader.End);
        });
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        Gen.Byte.Array[0, 30].Sample(input =>
        {
            var reader = new ConfigurationOptionReader(input);
            int consumed = 0;
            while (!reader.End)
            {
                ConfigurationOptionError error = reader.TryReadNext(out var option);
                Assert.True(Enum.IsDefined(error));
                if (error != ConfigurationOptionError.None)
                    break;
                Assert.True(option.Length >= 2);
                consumed += option.Length;
            }
            Assert.True(consumed <= input.Length);
        });
    }
}
