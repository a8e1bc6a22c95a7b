<powershell>
# SSM agent on Windows Server (2016 and later), from the SSM agent bucket of
# the instance's own region.
#
# Windows AMIs from AWS already carry the agent; this installs or updates it on
# any other image. EC2Launch (v2) runs the <powershell> block of the user data
# once, at first boot; no inbound port (RDP or WinRM) is opened. The region
# comes from the instance metadata with an IMDSv2 token. From a subnet with no
# route to the internet, the regional bucket is reached through an s3 gateway
# endpoint on the subnet's route table.
$ErrorActionPreference = "Stop"
$token = Invoke-RestMethod -Method Put -Uri "http://169.254.169.254/latest/api/token" -Headers @{ "X-aws-ec2-metadata-token-ttl-seconds" = "300" }
$region = Invoke-RestMethod -Uri "http://169.254.169.254/latest/meta-data/placement/region" -Headers @{ "X-aws-ec2-metadata-token" = $token }
$setup = Join-Path $env:TEMP "AmazonSSMAgentSetup.exe"
Invoke-WebRequest -UseBasicParsing -Uri "https://amazon-ssm-$region.s3.$region.amazonaws.com/latest/windows_amd64/AmazonSSMAgentSetup.exe" -OutFile $setup
Start-Process -FilePath $setup -ArgumentList "/S" -Wait
Restart-Service AmazonSSMAgent
</powershell>
