package com.example.wrong;

interface PackageMismatch {}
