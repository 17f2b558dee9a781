"""Business rules. Nothing here imports boto3: persistence comes in through repository protocols."""
