using System.Security.Cryptography;
using System.Text;
using ModelRegistry.Platform.Rules;

namespace ModelRegistry.Domain.Tests;

public class BodyHead_Specs
{
    [Fact]
    public void Keeps_the_size_the_digest_of_every_byte_and_the_first_4_KiB_as_text()
    {
        var body = Encoding.UTF8.GetBytes("""{"modelName":"m","padding":""" + "\"" + new string('x', 10_000) + "\"}");
        var head = BodyHead.Of(body);
        Assert.Equal(body.Length, head.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), head.Sha256);
        Assert.Equal(Encoding.UTF8.GetString(body, 0, BodyHead.KeptBytes), head.Text);
        Assert.Equal("m", head.Field("modelName"));
    }

    [Fact]
    public void Finds_top_level_strings_and_numbers_ignoring_case_and_skips_nested_values()
    {
        var fields = Fields("""{"ModelName":"m","version":3,"lineage":{"trainingRunId":"nested"},"tags":["a"],"targetStage":"staging"}""");
        Assert.Equal("m", fields["modelName"]);
        Assert.Equal("3", fields["VERSION"]);
        Assert.Equal("staging", fields["targetStage"]);
        Assert.False(fields.ContainsKey("trainingRunId"));
        Assert.False(fields.ContainsKey("lineage"));
    }

    [Fact]
    public void In_MassTransits_envelope_the_message_fields_win_over_the_envelopes()
    {
        var fields = Fields("""{"messageId":"env","message":{"messageId":"inner","modelName":"m","artifact":{"path":"deep"}},"host":{"machineName":"h"}}""");
        Assert.Equal("inner", fields["messageId"]);
        Assert.Equal("m", fields["modelName"]);
        Assert.False(fields.ContainsKey("path"));
        Assert.False(fields.ContainsKey("machineName"));
    }

    [Fact]
    public void A_head_cut_in_the_middle_keeps_what_came_before_the_cut()
    {
        var json = """{"promotionId":"0b8c9d5e-8a6a-4c8e-9a44-3c1f8f0d2b11","modelName":"fraud","reason":"a very long reason that is cut""";
        var fields = Fields(json);
        Assert.Equal("fraud", fields["modelName"]);
        Assert.False(fields.ContainsKey("reason"));
        Assert.Equal(Guid.Parse("0b8c9d5e-8a6a-4c8e-9a44-3c1f8f0d2b11"), new BodyHead(0, "", "", fields).Id("promotionId"));
    }

    [Theory]
    [InlineData("not json at all", "")]
    [InlineData("[1,2,3]", "")]
    [InlineData("", "")]
    [InlineData("{\"a\":\"b\" garbage", "a=b")]
    [InlineData("{\"a\":\"b\",\"c\":\"\\x\"}", "a=b")]
    public void A_head_that_is_not_a_JSON_object_yields_what_it_could_read_and_never_throws(string text, string expected) =>
        Assert.Equal(expected, string.Join(",", Fields(text).Select(f => $"{f.Key}={f.Value}")));

    [Fact]
    public void Values_are_cut_and_made_storable_and_an_id_that_is_not_a_uuid_reads_as_empty()
    {
        var fields = Fields("{\"modelName\":\"a\\u0000b\",\"incidentId\":\"" + new string('i', 500) + "\",\"rollbackId\":\"nope\"}");
        Assert.Equal("a\uFFFDb", fields["modelName"]);
        Assert.Equal(BodyHead.MaxFieldLength, fields["incidentId"].Length);
        Assert.Equal(Guid.Empty, new BodyHead(0, "", "", fields).Id("rollbackId"));
    }

    [Fact]
    public void A_multibyte_character_cut_by_the_head_and_a_NUL_in_the_text_become_U_FFFD()
    {
        var body = new byte[BodyHead.KeptBytes + 10];
        body.AsSpan().Fill((byte)'a');
        body[0] = 0;
        "é"u8.CopyTo(body.AsSpan(BodyHead.KeptBytes - 1)); // two bytes: the second falls outside the head
        var head = BodyHead.Of(body);
        Assert.Equal('\uFFFD', head.Text[0]);
        Assert.Equal('\uFFFD', head.Text[^1]);
        Assert.DoesNotContain('\0', head.Text);
    }

    private static IReadOnlyDictionary<string, string> Fields(string json) => BodyHead.FieldsOf(Encoding.UTF8.GetBytes(json));
}
