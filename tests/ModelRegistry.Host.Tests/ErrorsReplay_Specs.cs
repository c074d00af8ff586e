using System.Text;
using MassTransit;
using ModelRegistry.Cli;
using ModelRegistry.Contracts.Promotion;
using RabbitMQ.Client;

namespace ModelRegistry.Host.Tests;

/// <summary>What <c>mreg errors replay</c> sends back to a worker's queue.</summary>
public class ErrorsReplay_Specs
{
    [Fact]
    public void A_replayed_plain_message_keeps_the_type_it_was_read_as_and_loses_the_fault_headers()
    {
        var faulted = new BasicProperties
        {
            ContentType = "application/json",
            MessageId = "m-1",
            Headers = new Dictionary<string, object?>
            {
                ["MT-Fault-MessageType"] = Encoding.UTF8.GetBytes("ModelRegistry.Contracts.Promotion.ApprovalDecided"),
                ["MT-Fault-Message"] = Encoding.UTF8.GetBytes("boom"),
                ["MT-Reason"] = Encoding.UTF8.GetBytes("fault"),
                ["x-custom"] = Encoding.UTF8.GetBytes("kept"),
            },
        };

        var replay = ErrorsCommand.Replayable(faulted);

        Assert.Equal(("application/json", "m-1"), (replay.ContentType, replay.MessageId));
        Assert.Equal(["MT-MessageType", "x-custom"], replay.Headers!.Keys.Order());
        Assert.Equal(MessageUrn.ForTypeString<ApprovalDecided>(), Encoding.UTF8.GetString((byte[])replay.Headers["MT-MessageType"]!));
    }

    [Fact]
    public void A_message_type_the_publisher_gave_is_left_as_it_was()
    {
        var faulted = new BasicProperties
        {
            Headers = new Dictionary<string, object?>
            {
                ["MT-MessageType"] = Encoding.UTF8.GetBytes("urn:message:Somewhere:Else"),
                ["MT-Fault-MessageType"] = Encoding.UTF8.GetBytes("ModelRegistry.Contracts.Promotion.ApprovalDecided"),
            },
        };

        var replay = ErrorsCommand.Replayable(faulted);

        Assert.Equal("urn:message:Somewhere:Else", Encoding.UTF8.GetString((byte[])replay.Headers!["MT-MessageType"]!));
    }
}
