#pragma once
// One function per service, each defined in the service's own file; the
// catalogue (catalogue.cc) puts them together. Internal to src/events/.

#include "events/sample_events.h"

namespace lambda_emu::events {

Service AlbService();             // alb.cc
Service ApiGatewayService();      // apigateway.cc
Service CloudFormationService();  // cloudformation.cc
Service CloudWatchService();      // cloudwatch.cc
Service CodeCommitService();      // codecommit.cc
Service CodePipelineService();    // codepipeline.cc
Service CognitoService();         // cognito.cc
Service DynamoDbService();        // dynamodb.cc
Service EventBridgeService();     // eventbridge.cc
Service KinesisService();         // kinesis.cc
Service S3Service();              // s3.cc
Service SnsService();             // sns.cc
Service SqsService();             // sqs.cc
Service StepFunctionsService();   // stepfunctions.cc

// Options many events share, with SAM's defaults.
EventOption AccountIdOption();
EventOption PartitionOption();
EventOption RegionOption();

}  // namespace lambda_emu::events
